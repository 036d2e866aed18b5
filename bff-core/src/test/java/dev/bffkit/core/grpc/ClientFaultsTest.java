package dev.bffkit.core.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.RecordingUpstream;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.ServerConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.config.SourceFile;
import dev.bffkit.core.upstream.ServiceState;
import dev.bffkit.schemas.interop.v1.SlowRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, class 1: a client's own faults cost nothing upstream and count against no service.
 * A real BFF (h2c on) in front of a recording HTTP service and the grpc-java interop service;
 * on every route kind (screen with an HTTP field, screen with a gRPC field, ad-hoc GraphQL, proxy
 * waiting for an answer, proxy mid-response, transcoded REST, gRPC-Web) clients abort mid-flight
 * by closing their HTTP/1.1 connection, by resetting their HTTP/2 stream, and by resetting it at
 * once (rapid reset). Every upstream call must be cancelled within a second, and afterwards every
 * breaker is closed, no endpoint is ejected, nothing was retried, no SEVERE was logged, and the
 * next user's screen is whole. Then 100 gRPC-Web calls with {@code grpc-timeout: 1m}.
 */
class ClientFaultsTest {
  static final int PER_MODE = 50; // × 2 mid-flight modes = 100 aborts per route kind
  static final String SCHEMA = """
      type Query {
        hang: JSON @rest(service: "http", path: "/hang")
        ok: JSON @rest(service: "http", path: "/ok")
        slowGrpc: JSON @grpc(service: "interop", method: "bffkit.interop.v1.Interop/Slow", request: "{\\"delay_ms\\": 30000}")
      }
      """;

  static Vertx vertx;
  static InteropServer grpc;
  static RecordingUpstream http;
  static Bff.RunningBff bff;
  static HttpClient h1;
  static HttpClient h2;
  static OnLoop loop;
  static final List<LogRecord> logs = new CopyOnWriteArrayList<>();
  static final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      logs.add(r);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    grpc = new InteropServer();
    http = new RecordingUpstream(vertx);
    // A pool as large as the test's concurrency: every call reaches the service before its client leaves.
    ServiceConfig httpService = new ServiceConfig("http", List.of(URI.create("http://127.0.0.1:" + http.port())),
        Duration.ofSeconds(1), PER_MODE * 2, Duration.ofSeconds(30), Duration.ofSeconds(10));
    Map<String, ServiceConfig> services = Map.of("interop", TestBundles.service("interop", grpc.port()), "http", httpService);
    // Deadlines far beyond the test: any upstream call that ends, ends because it was cancelled.
    CompositionConfig comp = new CompositionConfig(Duration.ofSeconds(20), true, "/graphql", "/v1/screens", 100);
    ServerConfig server = new ServerConfig("127.0.0.1", 0, 1, Duration.ofSeconds(1), Duration.ofSeconds(30),
        64 * 1024, 8192, true);
    BffConfig cfg = new BffConfig("test", server, comp, services,
        List.of(new ProxyRouteConfig("/api/", "http", "/api", Set.of())), GrpcHttpBridgeTest.interopBridged());
    bff = Bff.start(vertx, new ClientBundle(cfg, new SourceFile("schema.graphqls", SCHEMA), List.of(
        new SourceFile("screens/hangs.graphql", "query Hangs { hang }"),
        new SourceFile("screens/grpcHangs.graphql", "query GrpcHangs { slowGrpc }"),
        new SourceFile("screens/whole.graphql", "query Whole { ok }")))).await();
    bff.warmedUp().await(20, TimeUnit.SECONDS);
    // The test's own clients: their connection errors (the BFF closing a connection that floods
    // it with resets, as Vert.x's rapid-reset protection does) are not the BFF's logs.
    h1 = vertx.httpClientBuilder().with(new HttpClientOptions()).with(new PoolOptions().setHttp1MaxSize(PER_MODE * 2))
        .withConnectHandler(c -> c.exceptionHandler(e -> { })).build();

    loop = new OnLoop(vertx.getOrCreateContext());
    Logger.getLogger("").addHandler(capture);
  }

  private static HttpClient h2Client() {
    return vertx.httpClientBuilder().with(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false)).with(new PoolOptions().setHttp2MaxSize(1))
        .withConnectHandler(c -> c.exceptionHandler(e -> { })).build();
  }

  @AfterAll
  static void stop() throws Exception {
    Logger.getLogger("").removeHandler(capture);
    vertx.close().await(10, TimeUnit.SECONDS);
    grpc.close();
  }

  /** A route kind: what the client sends, and how to count the upstream calls it causes. */
  record Route(String name, HttpMethod method, String uri, Map<String, String> headers, Buffer body, boolean grpcUpstream) {
    IntSupplier received() {
      return grpcUpstream ? grpc.calls::get : http.received::get;
    }

    /** Calls received and not answered (the routes' calls never answer; the whole screen's do). */
    IntSupplier unanswered() {
      return grpcUpstream ? grpc.calls::get : () -> http.received.get() - http.answered.get();
    }

    IntSupplier cancelled() {
      return grpcUpstream ? grpc.cancelled::get : http.cancelled::get;
    }
  }

  enum Abort { H1_CLOSE, H2_RESET, H2_RAPID_RESET }

  static final Buffer SLOW_FRAME = GrpcHttpBridgeTest.frame(SlowRequest.newBuilder().setDelayMs(30_000).build().toByteArray());

  static List<Route> routes() {
    Map<String, String> none = Map.of();
    return List.of(
        new Route("screen (HTTP field)", HttpMethod.GET, "/v1/screens/hangs", none, null, false),
        new Route("screen (gRPC field)", HttpMethod.GET, "/v1/screens/grpcHangs", none, null, true),
        new Route("ad-hoc GraphQL", HttpMethod.POST, "/graphql", Map.of("content-type", "application/json"),
            new JsonObject().put("query", "{ hang }").toBuffer(), false),
        new Route("proxy (waiting)", HttpMethod.GET, "/api/hang", none, null, false),
        new Route("proxy (mid-response)", HttpMethod.GET, "/api/stream", none, null, false),
        new Route("transcoded REST", HttpMethod.GET, "/v1/slow/30000", none, null, true),
        new Route("gRPC-Web", HttpMethod.POST, "/" + InteropServer.SERVICE + "/Slow",
            GrpcHttpBridgeTest.web("application/grpc-web+proto"), SLOW_FRAME, true));
  }

  @Test
  void clientAbortsCancelTheirUpstreamCallsAndBlameNoService() throws Exception {
    List<String> report = new ArrayList<>();
    for (Route route : routes()) {
      for (Abort abort : Abort.values()) {
        logs.clear();
        settle(route.received()); // a rapid reset's straggler (the route before shares the gRPC server) arrives first
        int received0 = route.received().getAsInt();
        int unanswered0 = route.unanswered().getAsInt();
        int cancelled0 = route.cancelled().getAsInt();
        if (abort != Abort.H1_CLOSE) { // a fresh connection: the BFF closes one that sent too many resets (GOAWAY)
          if (h2 != null) h2.close().await(5, TimeUnit.SECONDS);
          h2 = h2Client();
        }
        List<HttpClientRequest> sent = send(route, abort);
        if (abort != Abort.H2_RAPID_RESET) {
          // mid-flight: every call has reached the service before its client leaves
          await(() -> route.received().getAsInt() - received0 >= PER_MODE, 5000, route.name() + " " + abort + " received");
          assertEquals(PER_MODE, route.received().getAsInt() - received0, "no retry, no hedge: " + route.name());
        }
        long t0 = System.nanoTime();
        loop.run(() -> {
          for (HttpClientRequest r : sent) {
            if (abort == Abort.H1_CLOSE) r.connection().close();
            else if (abort == Abort.H2_RESET) r.reset(8);
          }
          return Future.succeededFuture();
        }).await(5, TimeUnit.SECONDS);
        if (abort == Abort.H2_RAPID_RESET) {
          // a request after them on the same connection: once it is answered, the BFF has seen every reset stream
          loop.run(() -> h2.request(options(HttpMethod.GET, "/v1/screens/whole", Map.of())).compose(r -> r.send())
              .compose(resp -> resp.body())).await(10, TimeUnit.SECONDS);
        }
        int reached = route.unanswered().getAsInt() - unanswered0;
        // the service sees every call that reached it cancelled, within a second
        await(() -> route.cancelled().getAsInt() - cancelled0 >= route.unanswered().getAsInt() - unanswered0, 1000,
            route.name() + " " + abort + ": cancelled " + (route.cancelled().getAsInt() - cancelled0) + " of "
                + (route.unanswered().getAsInt() - unanswered0));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        report.add(route.name() + " " + abort + ": " + reached + " reached, all cancelled in " + ms + " ms");
        assertEquals(0, http.open.get(), "HTTP calls left open after " + route.name() + " " + abort);
        assertHealthy(route.name() + " " + abort);
        for (LogRecord r : logs) {
          assertTrue(r.getLevel().intValue() < Level.WARNING.intValue(),
              route.name() + " " + abort + " logged " + r.getLevel() + ": " + r.getMessage());
        }
        if (abort != Abort.H2_RAPID_RESET) {
          long gone = logs.stream().filter(r -> r.getMessage().startsWith("event=client_gone request_id=")).count();
          assertEquals(PER_MODE, gone, "one client_gone line per abort: " + route.name() + " " + abort + " "
              + logs.stream().map(LogRecord::getMessage).filter(m -> m.startsWith("event=client_gone")).map(m -> m.replaceAll(".*path=", ""))
              .collect(Collectors.groupingBy(m -> m.replaceAll(" after_ms=.*", ""), Collectors.counting())));
        }
      }
    }
    assertWholeScreen();
    report.forEach(System.out::println);
  }

  /** Waits until {@code count} has not moved for 300 ms (at most 5 s). */
  private static void settle(IntSupplier count) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    int last = count.getAsInt();
    long quietSince = System.nanoTime();
    while (System.nanoTime() < end && System.nanoTime() - quietSince < TimeUnit.MILLISECONDS.toNanos(300)) {
      Thread.sleep(20);
      int now = count.getAsInt();
      if (now != last) {
        last = now;
        quietSince = System.nanoTime();
      }
    }
  }

  @Test
  void tinyGrpcWebDeadlinesAreTheClientsOwn() throws Exception {
    Map<String, String> headers = new HashMap<>(GrpcHttpBridgeTest.web("application/grpc-web+proto"));
    headers.put("grpc-timeout", "1m");
    int before = grpc.calls.get();
    for (int batch = 0; batch < 2; batch++) {
      List<Future<GrpcHttpBridgeTest.Answer>> answers = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        RequestOptions o = options(HttpMethod.POST, "/" + InteropServer.SERVICE + "/Slow", headers);
        answers.add(loop.run(() -> h1.request(o).compose(r -> r.send(SLOW_FRAME))
            .compose(resp -> resp.body().map(b -> new GrpcHttpBridgeTest.Answer(resp, b)))));
      }
      for (Future<GrpcHttpBridgeTest.Answer> f : answers) {
        GrpcHttpBridgeTest.Answer a = f.await(10, TimeUnit.SECONDS);
        String status = GrpcHttpBridgeTest.frames(a.body()).trailers().getOrDefault("grpc-status", a.resp().getHeader("grpc-status"));
        assertEquals("4", status, "DEADLINE_EXCEEDED: " + a.resp().headers() + " " + a.body());
      }
    }
    assertTrue(grpc.calls.get() - before <= 100, "never retried or hedged");
    await(() -> grpc.calls.get() - before == grpc.cancelled.get() - cancelledBaseline(before), 1000, "calls cancelled");
    assertHealthy("100 grpc-timeout: 1m");
    assertWholeScreen();
  }

  /** The interop server's cancellations before this test's calls (other tests cancel too). */
  private static int cancelledBaseline(int callsBefore) {
    return grpc.cancelled.get() - (grpc.calls.get() - callsBefore);
  }

  private static List<HttpClientRequest> send(Route route, Abort abort) throws Exception {
    HttpClient client = abort == Abort.H1_CLOSE ? h1 : h2;
    RequestOptions o = options(route.method(), route.uri(), route.headers());
    return loop.run(() -> {
      List<Future<HttpClientRequest>> rs = new ArrayList<>();
      for (int i = 0; i < PER_MODE; i++) {
        rs.add(client.request(o).map(r -> {
          r.exceptionHandler(e -> { }); // the test's own client: its resets are not the BFF's logs
          r.response().onSuccess(resp -> resp.handler(b -> { }).exceptionHandler(e -> { })); // read what arrives
          if (route.body() == null) r.end();
          else r.end(route.body());
          if (abort == Abort.H2_RAPID_RESET) r.reset(8);
          return r;
        }));
      }
      return Future.all(rs).map(cf -> {
        List<HttpClientRequest> out = new ArrayList<>();
        for (int i = 0; i < cf.size(); i++) out.add(cf.resultAt(i));
        return out;
      });
    }).await(10, TimeUnit.SECONDS);
  }

  private static RequestOptions options(HttpMethod method, String uri, Map<String, String> headers) {
    RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(bff.port()).setURI(uri);
    headers.forEach(o::putHeader);
    return o;
  }

  /** Every breaker closed, no endpoint ejected, no bulkhead slot held. */
  private static void assertHealthy(String after) throws Exception {
    await(() -> bff.upstreams().services().values().stream().allMatch(s -> s.bulkhead().active() == 0), 1000,
        "bulkhead slots released after " + after);
    for (ServiceState s : bff.upstreams().services().values()) {
      assertEquals("closed", s.breakerState(), s.name() + " breaker after " + after);
      JsonObject snap = s.snapshot();
      for (int i = 0; i < snap.getJsonArray("endpoints").size(); i++) {
        JsonObject e = snap.getJsonArray("endpoints").getJsonObject(i);
        assertFalse(e.getBoolean("ejected"), s.name() + " endpoint ejected after " + after);
        assertEquals(0, e.getInteger("active"), s.name() + " endpoint still has calls in flight after " + after);
      }
    }
  }

  private static void assertWholeScreen() throws Exception {
    GrpcHttpBridgeTest.Answer a = loop.run(() -> h1.request(options(HttpMethod.GET, "/v1/screens/whole", Map.of()))
        .compose(r -> r.send()).compose(resp -> resp.body().map(b -> new GrpcHttpBridgeTest.Answer(resp, b))))
        .await(10, TimeUnit.SECONDS);
    assertEquals(200, a.status(), a.body().toString());
    assertNull(a.resp().getHeader("X-BFF-Partial"), a.body().toString());
    assertEquals(new JsonObject().put("ok", true), a.json().getJsonObject("data").getJsonObject("ok"));
  }

  private static void await(BooleanSupplier done, long ms, String what) throws InterruptedException {
    long end = System.nanoTime() + ms * 1_000_000L;
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > end) throw new AssertionError("not within " + ms + " ms: " + what);
      Thread.sleep(5);
    }
  }
}
