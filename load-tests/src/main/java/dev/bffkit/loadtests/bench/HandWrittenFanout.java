package dev.bffkit.loadtests.bench;

import dev.bffkit.loadtests.demo.DemoServices;
import dev.bffkit.schemas.notify.v1.GetCountRequest;
import dev.bffkit.schemas.notify.v1.GetCountResponse;
import dev.bffkit.schemas.recs.v1.GetRecommendationsRequest;
import dev.bffkit.schemas.recs.v1.GetRecommendationsResponse;
import dev.bffkit.schemas.recs.v1.Rec;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * The ceiling for the screen scenario: the iOS home written by hand on plain Vert.x, no framework,
 * answering exactly the BFF's JSON ({@code {"data":{me, feed, unreadCount, recommendations,
 * sponsored, profileViews}}}, the fields of {@code bff-ios}'s {@code screens/home.graphql}) with the
 * BFF's calls ({@link Scenarios#HOME_CALLS}): {@code GET /v1/screens/home[?user=u1]} calls me +
 * feed(limit 10) + recommendations + unread count + ads + analytics in parallel, then one batched
 * users call for the feed's distinct authors. The assembly, the REST calls and the {@code @timeout}
 * / {@code @fallback} handling are {@link HandWrittenRestHome}'s; this class fetches recommendations
 * and the unread count over gRPC instead (vertx-grpc-client with the generated messages, to the demo
 * gRPC servers at {@code RECS_GRPC_URL} / {@code NOTIFICATIONS_GRPC_URL}), each with its field's
 * {@code @timeout} as the call's deadline ({@code grpc-timeout}). {@code GET /readyz} answers 200
 * once listening. {@code ScreenParity} checks both answer alike before the screen is measured.
 *
 * <p>Run on its own like a deployed service: {@code java -cp bff-demo.jar
 * dev.bffkit.loadtests.bench.HandWrittenFanout --port N [--instances N]}, service addresses from the
 * same variables as the BFFs ({@code USERS_URL}, {@code POSTS_URL}, {@code RECS_URL}, {@code
 * NOTIFICATIONS_URL}, {@code ADS_URL}, {@code ANALYTICS_URL}, {@code RECS_GRPC_URL}, {@code
 * NOTIFICATIONS_GRPC_URL}); instances default to one per core. What it does not do is the BFF's
 * JWT check (a remembered token costs ~27 ns; see {@code JwtBench}).
 *
 * <p>{@code --rest} serves the pure-REST screen instead ({@link HandWrittenRestHome}, the baseline of
 * {@link RestHome}): the same six services, every call over REST, the same JSON; no gRPC.
 */
public final class HandWrittenFanout extends HandWrittenRestHome {
  private static final ServiceMethod<GetRecommendationsResponse, GetRecommendationsRequest> GET_RECS = ServiceMethod.client(
      ServiceName.create("recs.v1.Recommendations"), "GetRecommendations", GrpcMessageEncoder.encoder(),
      GrpcMessageDecoder.decoder(GetRecommendationsResponse.newBuilder()));
  private static final ServiceMethod<GetCountResponse, GetCountRequest> GET_COUNT = ServiceMethod.client(
      ServiceName.create("notify.v1.Notifications"), "GetCount", GrpcMessageEncoder.encoder(),
      GrpcMessageDecoder.decoder(GetCountResponse.newBuilder()));

  private GrpcClient grpc;

  private HandWrittenFanout(ToIntFunction<String> ports, int port) {
    super(ports, port);
  }

  public static void main(String[] args) {
    int port = 8090;
    int instances = Runtime.getRuntime().availableProcessors();
    boolean rest = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--instances" -> instances = Integer.parseInt(args[++i]);
        case "--rest" -> rest = true; // the pure-REST screen (HandWrittenRestHome): no gRPC at all
        default -> {
          System.err.println("usage: HandWrittenFanout [--rest] [--port N] [--instances N]; env USERS_URL, POSTS_URL, ...");
          System.exit(2);
        }
      }
    }
    Map<String, Integer> ports = servicePorts(System::getenv);
    long t0 = System.nanoTime();
    // The transport the BFF's launcher prefers (epoll where it loads), so both sides pay the same I/O.
    Vertx vertx = Vertx.builder().with(new VertxOptions().setPreferNativeTransport(true)).build();
    int p = port;
    int n = instances;
    Future<?> started = rest ? HandWrittenRestHome.start(vertx, ports, n, p)
        : vertx.deployVerticle(() -> new HandWrittenFanout(ports::get, p), new DeploymentOptions().setInstances(n));
    String mode = rest ? " mode=rest" : "";
    started
        .onSuccess(id -> System.err.println("hand-written fan-out event=ready" + mode + " port=" + p + " startup_ms="
            + (System.nanoTime() - t0) / 1_000_000))
        .onFailure(e -> {
          System.err.println("hand-written fan-out failed to start: " + e);
          System.exit(1);
        });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().await(5, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
    }));
  }

  /**
   * Service → port from USERS_URL etc. (http://127.0.0.1:PORT, or a comma-separated list whose
   * first entry is used), defaults 9101..9106 like the demo.
   */
  static Map<String, Integer> servicePorts(Function<String, String> env) {
    Map<String, Integer> m = new LinkedHashMap<>();
    int def = 9101;
    for (String s : Scenarios.SERVICES) {
      String url = env.apply(Scenarios.ENV_VARS.get(s));
      // a list (POSTS_URL names both posts replicas) → the first: the hand-written code has no balancer
      m.put(s, url == null || url.isBlank() ? def : URI.create(url.split(",")[0].trim()).getPort());
      def++;
    }
    // The gRPC twins the BFF's screen calls (recommendations, unread count), so both make the same calls.
    for (String g : DemoServices.GRPC_NAMES) {
      String url = env.apply(DemoServices.GRPC_ENV_VARS.get(g));
      m.put(g, url == null || url.isBlank() ? 9101 + DemoServices.GRPC_OFFSETS.get(g)
          : URI.create(url.trim()).getPort());
    }
    return m;
  }

  /** Deploys one instance per event loop ({@code instances}) sharing one port; returns the port. */
  public static Future<Integer> start(Vertx vertx, Map<String, Integer> servicePorts, int instances) {
    int port = Scenarios.freePort();
    return vertx.deployVerticle(() -> new HandWrittenFanout(servicePorts::get, port),
        new DeploymentOptions().setInstances(instances)).map(id -> port);
  }

  @Override
  public Future<?> start() {
    // the field's @timeout becomes the call's deadline: sent as grpc-timeout and enforced here, as the BFF does
    grpc = GrpcClient.client(vertx, new GrpcClientOptions().setScheduleDeadlineAutomatically(true));
    return super.start();
  }

  @Override
  public Future<?> stop() {
    return super.stop().eventually(() -> grpc.close());
  }

  /** One unary call to a demo gRPC server within {@code timeoutMs}, as plainly as Vert.x allows. */
  private <Q, A> Future<A> unary(String service, ServiceMethod<A, Q> method, Q message, long timeoutMs) {
    if (!knows(service)) return Future.failedFuture(service + " has no address");
    return grpc.request(SocketAddress.inetSocketAddress(ports.applyAsInt(service), "127.0.0.1"), method)
        .compose(r -> r.timeout(timeoutMs, TimeUnit.MILLISECONDS).send(message))
        .compose(resp -> resp.last());
  }

  private boolean knows(String service) {
    try {
      ports.applyAsInt(service);
      return true;
    } catch (RuntimeException unknown) {
      return false;
    }
  }

  @Override
  protected Future<JsonArray> recommendations(String user) {
    return unary("recommendations-grpc", GET_RECS,
        GetRecommendationsRequest.newBuilder().setUserId(user).setLimit(RECS_LIMIT).build(), RECS_TIMEOUT_MS)
        .map(reply -> {
          JsonArray items = new JsonArray();
          for (Rec r : reply.getItemsList()) items.add(rec(r.getId(), r.getTitle(), r.getKind(), r.getImage().getSmall()));
          return items;
        })
        .otherwise(new JsonArray());
  }

  @Override
  protected Future<Object> unreadCount(String user) {
    return unary("notifications-grpc", GET_COUNT, GetCountRequest.newBuilder().setUserId(user).build(), UNREAD_TIMEOUT_MS)
        .map(reply -> (Object) reply.getCount())
        .otherwise(0);
  }
}
