package dev.bffkit.core.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ObserveConfig;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.route.RouteKind;
import dev.bffkit.core.route.RouteMatch;
import dev.bffkit.core.route.RoutePolicy;
import dev.bffkit.core.route.RouteTable;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every access-log line is one JSON object with the request's facts, and never a secret. */
class AccessLogTest {
  private static final RoutePolicy POLICY =
      new RoutePolicy(false, Set.of(), 1024, Duration.ofSeconds(10), 0, Duration.ofSeconds(3), null);
  static final Route HOME = new Route(0, "screen:home", RouteKind.SCREEN, new RouteMatch.Exact("/v1/screens/home"),
      Set.of(), POLICY, "test", null);
  static final Route POSTS = new Route(1, "proxy:/api/posts", RouteKind.PROXY, new RouteMatch.Prefix("/api/posts"),
      Set.of(), POLICY, "test", null);

  /** The spine's meters are indexed by route id: the routes must be those of its table. */
  static final RouteTable TABLE = RouteTable.builder().add(HOME).add(POSTS).build();

  @TempDir Path tmp;

  static BffConfig config() {
    return TestBundles.bundle(TestBundles.server(Duration.ofSeconds(1)), Duration.ofSeconds(1), Map.of(),
        List.of(), "type Query { a: String }", Map.of()).config();
  }

  static RequestLog log(String id, String method, Route route, String subject, int status, boolean gone) {
    RequestLog log = new RequestLog(id, method, System.nanoTime() - 12_345_678, 1_796_000_000_123L, TraceContext.root(false), null);
    log.route(route);
    if (subject != null) log.admitted("jwt", subject);
    log.end(status, 17, 812, gone);
    return log;
  }

  private static RequestLog withError(RequestLog log, String code) {
    log.errorCode(code);
    return log;
  }

  static Stream<Arguments> requests() {
    Observability o = Observability.off("t");
    RequestLog fanOut = new RequestLog("r-fan", "GET", System.nanoTime(), 1_796_000_000_000L, TraceContext.root(true), null);
    fanOut.route(HOME);
    o.service("users").start(fanOut, "rest").end(Outcome.OK, 200);
    o.service("recs").start(fanOut, "grpc").end(Outcome.TIMEOUT, -1);
    o.service("ads").start(fanOut, "rest"); // a hedge's loser still running
    fanOut.partial(true);
    fanOut.end(200, 0, 900, false);
    return Stream.of(
        Arguments.of("routed", log("r1", "GET", HOME, "u1", 200, false), "screen:home", 0),
        Arguments.of("unrouted 404", withError(log("r2", "GET", null, null, 404, false), "route_not_found"), null, 0),
        Arguments.of("client gone before any answer", log("r3", "POST", POSTS, null, 0, true), "proxy:/api/posts", 0),
        Arguments.of("subject with quotes, controls, unicode",
            log("r4", "GET", HOME, "a\"b\\c\n\r\t\u0001\u007f\u2028é😀\ud800", 200, false), "screen:home", 0),
        Arguments.of("a long subject is cut", log("r5", "GET", HOME, "s".repeat(10_000), 200, false), "screen:home", 0),
        Arguments.of("fan-out with a timeout and a call in flight", fanOut, "screen:home", 3));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requests")
  void everyLineIsOneJsonObject(String name, RequestLog log, String route, int calls) {
    String line = AccessLog.line(log);
    assertFalse(line.contains("\n") || line.contains("\r"), "one line: " + line);
    JsonObject j = new JsonObject(line);
    assertEquals(Set.of("time", "request_id", "trace_id", "method", "route", "kind", "status", "duration_ms", "bytes_in",
        "bytes_out", "subject", "admitted_as", "error_code", "partial", "client_gone", "upstream"), j.fieldNames());
    assertEquals(log.admittedAs(), j.getString("admitted_as"));
    assertEquals(log.errorCode(), j.getString("error_code"));
    assertTrue(j.getString("time").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), j.getString("time"));
    assertEquals(log.requestId(), j.getString("request_id"));
    assertEquals(log.trace().traceId(), j.getString("trace_id"));
    assertEquals(route, j.getString("route"));
    assertEquals(route == null ? null : log.route().kind().label(), j.getString("kind"));
    assertEquals(log.status(), j.getInteger("status"));
    assertEquals(log.clientGone(), j.getBoolean("client_gone"));
    assertEquals(log.partial(), j.getBoolean("partial"));
    assertTrue(line.matches(".*\"duration_ms\":\\d+\\.\\d{3},.*"), "three decimals: " + line);
    assertEquals(log.durationNanos() / 1e6, j.getDouble("duration_ms"), 0.001);
    if (log.subject() != null) {
      String expected = log.subject().substring(0, Math.min(128, log.subject().length()));
      // a lone surrogate cannot be carried by UTF-8; it is escaped and read back as itself
      assertEquals(expected, j.getString("subject"));
    }
    JsonArray up = j.getJsonArray("upstream");
    assertEquals(calls, up.size());
    for (int i = 0; i < calls; i++) {
      JsonObject c = up.getJsonObject(i);
      assertEquals(Set.of("service", "protocol", "outcome", "status", "start_ms", "duration_ms"), c.fieldNames());
      UpstreamCall call = log.call(i);
      assertEquals(call.service(), c.getString("service"));
      assertEquals(call.protocol(), c.getString("protocol"));
      assertEquals(call.ended() ? call.outcome().label() : "in_flight", c.getString("outcome"));
      assertEquals(call.ended() && call.status() >= 0 ? call.status() : null, c.getInteger("status"));
      if (call.ended()) assertNotNull(c.getValue("duration_ms"));
      else assertNull(c.getValue("duration_ms"));
    }
  }

  @Test
  void timeIsUtcWithMillis() {
    assertEquals("\"2026-11-30T00:53:20.123Z\"", JsonText.isoTime(new StringBuilder(), 1_796_000_000_123L).toString());
    assertEquals("\"1970-01-01T00:00:00.000Z\"", JsonText.isoTime(new StringBuilder(), 0).toString());
    assertEquals("\"2026-11-30T00:53:20.007Z\"", JsonText.isoTime(new StringBuilder(), 1_796_000_000_007L).toString());
    assertEquals("0.000", JsonText.millis3(new StringBuilder(), -5).toString());
    assertEquals("12.345", JsonText.millis3(new StringBuilder(), 12_345_678).toString());
    assertEquals("1.005", JsonText.millis3(new StringBuilder(), 1_005_000).toString());
  }

  /**
   * A real server on the observe spine (begin on arrival, completed when the answer ends), the
   * access log writing to a file: requests carrying a bearer token, an API key, a cookie, a
   * secret in the query and in the body leave none of them in the log.
   */
  @Test
  void secretsNeverReachTheLog() throws Exception {
    String bearer = "eyJhbGciOiJSUzI1NiJ9.SECRET-BEARER.sig";
    String apiKey = "ak_live_SECRET_API_KEY";
    String queryToken = "SECRET_QUERY_TOKEN";
    String cookie = "SECRET_SESSION_COOKIE";
    String body = "{\"password\":\"SECRET_BODY\"}";
    String pathId = "user-4711-SECRETID";

    Path file = tmp.resolve("access.log");
    Observability o = Observability.create(config().withObserve(ObserveConfig.off()), TABLE, null);
    LineWriter writer = LineWriter.start("t", "access_log", new RotatingFile(file, 1 << 20, 2, false), 1024,
        LineWriter.PLAIN, new SimpleMeterRegistry());
    o.observe(new AccessLog(writer));
    o.closeWith(writer);

    Vertx vertx = Vertx.vertx();
    try {
      HttpServer server = vertx.createHttpServer().requestHandler(req -> {
        RequestLog log = o.begin(req, "rid-" + req.getHeader("x-n"), System.nanoTime());
        if (req.path().startsWith("/api/posts")) log.route(POSTS);
        if (req.getHeader("authorization") != null) log.admitted("jwt", "u1");
        req.response().endHandler(v -> o.completed(log, req));
        req.body().onComplete(b -> req.response().setStatusCode(log.route() == null ? 404 : 200).end("{\"ok\":true}"));
      }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String base = "http://127.0.0.1:" + server.actualPort();
      List<String> targets = List.of("/api/posts/" + pathId + "?token=" + queryToken, "/nowhere/" + pathId + "?token=" + queryToken);
      int n = 0;
      for (String target : targets) {
        for (String method : List.of("GET", "POST")) {
          HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + target)).timeout(Duration.ofSeconds(5))
              .header("Authorization", "Bearer " + bearer).header("X-API-Key", apiKey)
              .header("Cookie", "session=" + cookie).header("x-n", Integer.toString(n++));
          r.method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString(body) : HttpRequest.BodyPublishers.noBody());
          http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        }
      }
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (countLines(file) < n && System.nanoTime() < until) Thread.sleep(20);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
      o.close();
    }

    String text = Files.readString(file);
    List<String> lines = text.lines().toList();
    assertEquals(4, lines.size(), text);
    for (String secret : List.of(bearer, "SECRET-BEARER", apiKey, queryToken, cookie, "SECRET_BODY", "password",
        "SECRETID", "token=", "?")) {
      assertFalse(text.contains(secret), "the log holds '" + secret + "': " + text);
    }
    for (String line : lines) {
      JsonObject j = new JsonObject(line);
      assertTrue(j.getString("request_id").startsWith("rid-"));
      if ("proxy:/api/posts".equals(j.getString("route"))) assertEquals(200, j.getInteger("status"));
      else assertEquals(404, j.getInteger("status"));
      if ("POST".equals(j.getString("method"))) assertEquals(body.length(), j.getInteger("bytes_in"));
      assertEquals("u1", j.getString("subject"));
      assertTrue(j.getInteger("bytes_out") > 0);
    }
  }

  private static long countLines(Path file) throws Exception {
    return Files.exists(file) ? Files.readAllLines(file).size() : 0;
  }

  @Test
  void installFollowsTheConfig() throws Exception {
    BffConfig base = config();
    ObserveConfig off = ObserveConfig.defaults();
    ObserveConfig.AccessLog disabled = ObserveConfig.AccessLog.off();
    Observability o = Observability.off("t");
    assertNull(AccessLog.install(o, base.withObserve(new ObserveConfig(off.metrics(), off.tracing(), disabled,
        off.audit(), off.slos(), false))));

    Path file = tmp.resolve("installed.log");
    ObserveConfig.AccessLog toFile = new ObserveConfig.AccessLog(true, file.toString(), 1 << 20, 2, 64);
    AccessLog installed = AccessLog.install(o, base.withObserve(new ObserveConfig(off.metrics(), off.tracing(), toFile,
        off.audit(), off.slos(), false)));
    assertNotNull(installed);
    RequestLog r = log("via-install", "GET", HOME, null, 200, false);
    installed.completed(r);
    o.close(); // closes the writer: the line is flushed
    assertEquals("via-install", new JsonObject(Files.readAllLines(file).get(0)).getString("request_id"));
  }
}
