package dev.bffkit.loadtests.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * The ceiling for the screen scenario: the iOS home written by hand on plain Vert.x, no framework.
 * {@code GET /v1/screens/home[?user=u1]} calls me + feed(limit 10) + recommendations + unread count +
 * ads + analytics in parallel, then one batched users call for the feed's distinct authors, and
 * assembles a JSON like the BFF's. An optional call that fails gives null; me or feed failing
 * gives 502. {@code GET /readyz} answers 200 once listening.
 *
 * <p>Run on its own like a deployed service: {@code java -cp bff-demo.jar
 * dev.bffkit.loadtests.bench.HandWrittenFanout --port N [--instances N]}, service addresses from the
 * same variables as the BFFs ({@code USERS_URL}, {@code POSTS_URL}, {@code RECS_URL}, {@code
 * NOTIFICATIONS_URL}, {@code ADS_URL}, {@code ANALYTICS_URL}, {@code RECS_GRPC_URL}, {@code
 * NOTIFICATIONS_GRPC_URL}); instances default to one per core.
 *
 * <p>It makes the same calls as the BFF's iOS home: recommendations and the unread count over
 * gRPC (vertx-grpc-client with the generated messages, to the demo gRPC servers at
 * {@code RECS_GRPC_URL} / {@code NOTIFICATIONS_GRPC_URL}), the rest over HTTP/1. What it does
 * not do is the BFF's JWT check (a remembered token costs ~27 ns; see {@code JwtBench}).
 *
 * <p>{@code --rest} serves the pure-REST screen instead ({@link HandWrittenRestHome}, the baseline of
 * {@link RestHome}): the same six services, every call over REST, the BFF's JSON; no gRPC.
 */
public final class HandWrittenFanout extends VerticleBase {
  private final ToIntFunction<String> ports;
  private final int port;
  private HttpClientAgent client;
  private HttpServer server;

  private HandWrittenFanout(ToIntFunction<String> ports, int port) {
    this.ports = ports;
    this.port = port;
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
    Vertx vertx = Vertx.vertx();
    int p = port;
    int n = instances;
    Future<?> started = rest ? HandWrittenRestHome.start(vertx, ports, n, p)
        : vertx.deployVerticle(() -> new HandWrittenFanout(ports::get, p), new io.vertx.core.DeploymentOptions().setInstances(n));
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
        vertx.close().await(5, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
    }));
  }

  /**
   * Service → port from USERS_URL etc. (http://127.0.0.1:PORT, or a comma-separated list whose
   * first entry is used), defaults 9101..9106 like the demo.
   */
  static Map<String, Integer> servicePorts(java.util.function.Function<String, String> env) {
    Map<String, Integer> m = new java.util.LinkedHashMap<>();
    int def = 9101;
    for (String s : Scenarios.SERVICES) {
      String url = env.apply(Scenarios.ENV_VARS.get(s));
      // a list (POSTS_URL names both posts replicas) → the first: the hand-written code has no balancer
      m.put(s, url == null || url.isBlank() ? def : java.net.URI.create(url.split(",")[0].trim()).getPort());
      def++;
    }
    // The gRPC twins the BFF's screen calls (recommendations, unread count), so both make the same calls.
    for (String g : dev.bffkit.loadtests.demo.DemoServices.GRPC_NAMES) {
      String url = env.apply(dev.bffkit.loadtests.demo.DemoServices.GRPC_ENV_VARS.get(g));
      m.put(g, url == null || url.isBlank() ? 9101 + dev.bffkit.loadtests.demo.DemoServices.GRPC_OFFSETS.get(g)
          : java.net.URI.create(url.trim()).getPort());
    }
    return m;
  }

  /** Deploys one instance per event loop ({@code instances}) sharing one port; returns the port. */
  public static Future<Integer> start(Vertx vertx, Map<String, Integer> servicePorts, int instances) {
    int port = Scenarios.freePort();
    return vertx.deployVerticle(() -> new HandWrittenFanout(servicePorts::get, port),
        new io.vertx.core.DeploymentOptions().setInstances(instances)).map(id -> port);
  }

  private static final io.vertx.grpc.common.ServiceMethod<dev.bffkit.schemas.recs.v1.GetRecommendationsResponse,
      dev.bffkit.schemas.recs.v1.GetRecommendationsRequest> GET_RECS = io.vertx.grpc.common.ServiceMethod.client(
          io.vertx.grpc.common.ServiceName.create("recs.v1.Recommendations"), "GetRecommendations",
          io.vertx.grpc.common.GrpcMessageEncoder.encoder(),
          io.vertx.grpc.common.GrpcMessageDecoder.decoder(dev.bffkit.schemas.recs.v1.GetRecommendationsResponse.newBuilder()));
  private static final io.vertx.grpc.common.ServiceMethod<dev.bffkit.schemas.notify.v1.GetCountResponse,
      dev.bffkit.schemas.notify.v1.GetCountRequest> GET_COUNT = io.vertx.grpc.common.ServiceMethod.client(
          io.vertx.grpc.common.ServiceName.create("notify.v1.Notifications"), "GetCount",
          io.vertx.grpc.common.GrpcMessageEncoder.encoder(),
          io.vertx.grpc.common.GrpcMessageDecoder.decoder(dev.bffkit.schemas.notify.v1.GetCountResponse.newBuilder()));
  private io.vertx.grpc.client.GrpcClient grpc;

  /** One unary call to a demo gRPC server, as plainly as Vert.x allows. */
  private <Q, A> Future<A> unary(String service, io.vertx.grpc.common.ServiceMethod<A, Q> method, Q message) {
    if (!knows(service)) return Future.failedFuture(service + " has no address");
    return grpc.request(io.vertx.core.net.SocketAddress.inetSocketAddress(ports.applyAsInt(service), "127.0.0.1"), method)
        .compose(r -> r.send(message))
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

  private Future<Object> recommendations(String user) {
    return unary("recommendations-grpc", GET_RECS,
        dev.bffkit.schemas.recs.v1.GetRecommendationsRequest.newBuilder().setUserId(user).setLimit(5).build())
        .map(reply -> {
          JsonArray items = new JsonArray();
          for (var rec : reply.getItemsList()) {
            items.add(new JsonObject().put("id", rec.getId()).put("title", rec.getTitle()).put("kind", rec.getKind())
                .put("image", rec.getImage().getSmall()));
          }
          return (Object) new JsonObject().put("items", items);
        })
        .otherwiseEmpty();
  }

  private Future<Object> unreadCount(String user) {
    return unary("notifications-grpc", GET_COUNT,
        dev.bffkit.schemas.notify.v1.GetCountRequest.newBuilder().setUserId(user).build())
        .map(reply -> (Object) new JsonObject().put("count", reply.getCount()))
        .otherwiseEmpty();
  }

  @Override
  public Future<?> start() {
    grpc = io.vertx.grpc.client.GrpcClient.client(vertx);
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
        .setKeepAliveTimeout(60), new PoolOptions().setHttp1MaxSize(64));
    server = vertx.createHttpServer().requestHandler(this::handle);
    return server.listen(port, "127.0.0.1");
  }

  @Override
  public Future<?> stop() {
    return server.close().eventually(() -> client.close());
  }

  private Future<Buffer> get(String service, String uri) {
    return client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
            .setPort(ports.applyAsInt(service)).setURI(uri).setIdleTimeout(5000))
        .compose(req -> req.send())
        .compose(resp -> resp.statusCode() == 200 ? resp.body()
            : Future.failedFuture(service + " answered " + resp.statusCode()));
  }

  private static Future<Object> optional(Future<Buffer> f) {
    return f.map(b -> (Object) b.toJsonValue()).otherwiseEmpty();
  }

  private void handle(HttpServerRequest req) {
    if ("/readyz".equals(req.path())) {
      req.response().end("ready");
      return;
    }
    if (!"/v1/screens/home".equals(req.path())) {
      req.response().setStatusCode(404).end();
      return;
    }
    String user = req.getParam("user", "u1");
    Future<JsonObject> me = get("users", "/users/" + user).map(Buffer::toJsonObject);
    Future<JsonArray> feed = get("posts", "/users/" + user + "/feed?limit=10")
        .map(b -> b.toJsonObject().getJsonArray("items"));
    Future<Object> recs = recommendations(user);
    Future<Object> unread = unreadCount(user);
    Future<Object> ads = optional(get("ads", "/ads?placement=feed&user=" + user + "&limit=1"));
    Future<Object> summary = optional(get("analytics", "/users/" + user + "/summary?days=7"));
    Future<JsonArray> authors = feed.compose(items -> {
      Set<String> ids = new LinkedHashSet<>();
      for (int i = 0; i < items.size(); i++) ids.add(items.getJsonObject(i).getString("authorId"));
      if (ids.isEmpty()) return Future.succeededFuture(new JsonArray());
      return get("users", "/users?ids=" + String.join(",", ids)).map(Buffer::toJsonArray).otherwise(new JsonArray());
    });
    Future.join(List.of(me, feed, authors, recs, unread, ads, summary)).onComplete(ar -> {
      if (me.failed() || feed.failed()) {
        req.response().setStatusCode(502).putHeader("content-type", "application/json")
            .end("{\"error\":\"upstream\"}");
        return;
      }
      JsonObject names = new JsonObject();
      for (Object o : authors.result()) {
        JsonObject u = (JsonObject) o;
        names.put(u.getString("id"), u.getString("name"));
      }
      JsonArray posts = new JsonArray();
      for (Object o : feed.result()) {
        JsonObject p = (JsonObject) o;
        posts.add(new JsonObject().put("id", p.getValue("id")).put("text", p.getValue("text"))
            .put("author", new JsonObject().put("name", names.getValue(p.getString("authorId")))));
      }
      JsonObject m = me.result();
      JsonObject out = new JsonObject()
          .put("me", new JsonObject().put("name", m.getValue("name")).put("avatar", m.getValue("avatar")))
          .put("feed", posts)
          .put("recommendations", pick(recs.result(), "items"))
          .put("unreadCount", pick(unread.result(), "count"))
          .put("ads", pick(ads.result(), "ads"))
          .put("summary", summary.result());
      req.response().putHeader("content-type", "application/json").end(out.toBuffer());
    });
  }

  private static Object pick(Object json, String field) {
    return json instanceof JsonObject o ? o.getValue(field) : null;
  }
}
