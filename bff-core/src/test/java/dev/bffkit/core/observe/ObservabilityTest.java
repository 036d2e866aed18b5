package dev.bffkit.core.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.grpc.InteropServer;
import io.grpc.Metadata;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metrics and traces of a real BFF loaded from a bff.yaml, in front of a REST service (two
 * paths, each answering after 40 ms, so a screen's calls overlap) and the grpc-java interop
 * service: one screen fans out to both REST paths and the gRPC method in parallel.
 */
class ObservabilityTest {
  static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String CALLER_SPAN = "00f067aa0ba902b7";
  @TempDir static Path tmp;
  static Vertx vertx;
  static HttpServer rest;
  static InteropServer grpc;
  static Bff.RunningBff bff;
  static final InMemorySpanExporter spans = InMemorySpanExporter.create();
  /** The request headers the REST service saw, by path. */
  static final Map<String, MultiMap> seen = new ConcurrentHashMap<>();
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    rest = vertx.createHttpServer().requestHandler(req -> {
      seen.put(req.path(), MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
      switch (req.path()) {
        case "/boom" -> req.response().setStatusCode(503).end();
        default -> vertx.setTimer(40, id -> req.response().putHeader("content-type", "application/json")
            .end("{\"name\":\"Ann\",\"id\":\"p1\"}"));
      }
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    grpc = new InteropServer();
    Path dir = Files.createDirectories(tmp.resolve("ios"));
    Files.writeString(dir.resolve("bff.yaml"), """
        name: ios
        server: { host: 127.0.0.1, port: 0, instances: 2 }
        services:
          users: { endpoints: http://127.0.0.1:%1$d }
          posts: { endpoints: http://127.0.0.1:%1$d, breaker: { enabled: false } }
          interop: { endpoints: http://127.0.0.1:%2$d, protocol: grpc }
        grpc: { descriptors: [classpath:grpc/bffkit-services.desc] }
        routes:
          - { prefix: /api/posts, service: posts }
        admin: { port: 0 }
        observe:
          tracing: { sampling: 100%% }
          accessLog: { enabled: false }
          slos:
            - { route: "screen:home", availability: 99.9%%, latency: { threshold: 300ms, target: 99%% } }
        """.formatted(rest.actualPort(), grpc.port()));
    Files.writeString(dir.resolve("schema.graphqls"), """
        type Query {
          me: User @rest(service: "users", path: "/users/u1")
          post: Post @rest(service: "posts", path: "/posts/p1")
          echo(req: JSON): JSON @grpc(service: "interop", method: "bffkit.interop.v1.Interop/Echo", request: "{args.req}")
          broken: JSON @rest(service: "posts", path: "/boom")
        }
        type User { name: String }
        type Post { id: String }
        """);
    Files.createDirectories(dir.resolve("screens"));
    Files.writeString(dir.resolve("screens/home.graphql"), "query Home { me { name } post { id } echo(req: {id: \"x\"}) }\n");
    Files.writeString(dir.resolve("screens/partial.graphql"), "query Partial { me { name } broken }\n");
    bff = Bff.start(vertx, BundleLoader.load(dir), spans).await(20, TimeUnit.SECONDS);
    bff.warmedUp().await(20, TimeUnit.SECONDS);
    spans.reset(); // the dry run's calls belong to no request
  }

  @AfterAll
  static void stop() throws Exception {
    if (bff != null) bff.close().await(10, TimeUnit.SECONDS);
    grpc.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static HttpResponse<String> get(int port, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
    if (headers.length > 0) b.headers(headers);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static List<SpanData> awaitSpans(int n) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (spans.getFinishedSpanItems().size() < n && System.nanoTime() < until) Thread.sleep(10);
    return spans.getFinishedSpanItems();
  }

  @Test
  void aScreensFanOutIsParallelChildrenOfOneServerSpanAndEveryUpstreamGetsTheTraceContext() throws Exception {
    spans.reset();
    HttpResponse<String> r = get(bff.port(), "/v1/screens/home",
        "traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01", "tracestate", "vendor=abc");
    assertEquals(200, r.statusCode(), r.body());
    List<SpanData> all = awaitSpans(4);
    SpanData server = all.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
    List<SpanData> clients = all.stream().filter(s -> s.getKind() == SpanKind.CLIENT).toList();
    assertEquals(TRACE_ID, server.getTraceId(), "the caller's trace is continued");
    assertEquals(CALLER_SPAN, server.getParentSpanId(), "the server span's parent is the caller's span");
    assertEquals("GET /v1/screens/home", server.getName());
    assertEquals("screen:home", server.getAttributes().get(Tracing.BFF_ROUTE));
    assertEquals(200L, server.getAttributes().get(Tracing.STATUS));
    assertEquals(List.of("interop", "posts", "users"), clients.stream().map(SpanData::getName).sorted().toList());
    for (SpanData c : clients) {
      assertEquals(TRACE_ID, c.getTraceId());
      assertEquals(server.getSpanId(), c.getParentSpanId(), c.getName() + " is a child of the screen's span");
      assertTrue(c.getStartEpochNanos() >= server.getStartEpochNanos() && c.getEndEpochNanos() <= server.getEndEpochNanos(),
          c.getName() + " lies within the server span");
      assertEquals("ok", c.getAttributes().get(Tracing.OUTCOME));
    }
    // Parallel, not one after the other: the two 40 ms REST calls overlap.
    SpanData users = clients.stream().filter(c -> c.getName().equals("users")).findFirst().orElseThrow();
    SpanData posts = clients.stream().filter(c -> c.getName().equals("posts")).findFirst().orElseThrow();
    assertTrue(users.getStartEpochNanos() < posts.getEndEpochNanos() && posts.getStartEpochNanos() < users.getEndEpochNanos(),
        "the fan-out's calls overlap in time");
    assertTrue(users.getEndEpochNanos() - users.getStartEpochNanos() >= TimeUnit.MILLISECONDS.toNanos(35), "timings are real");

    // W3C traceparent on the REST call names its client span; tracestate passes unchanged.
    MultiMap restHeaders = seen.get("/users/u1");
    assertEquals("00-" + TRACE_ID + "-" + users.getSpanId() + "-01", restHeaders.get("traceparent"));
    assertEquals("vendor=abc", restHeaders.get("tracestate"));
    // and on the gRPC call, as metadata.
    SpanData interop = clients.stream().filter(c -> c.getName().equals("interop")).findFirst().orElseThrow();
    Metadata md = grpc.lastMetadata();
    assertEquals("00-" + TRACE_ID + "-" + interop.getSpanId() + "-01",
        md.get(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER)));
    assertEquals(0L, interop.getAttributes().get(Tracing.GRPC_STATUS));
  }

  @Test
  void aMalformedTraceparentStartsANewTraceAndNeverReachesTheService() throws Exception {
    for (String bad : List.of("00-" + TRACE_ID + "-0000000000000000-01", "00-00000000000000000000000000000000-" + CALLER_SPAN + "-01",
        "00-" + TRACE_ID.toUpperCase() + "-" + CALLER_SPAN + "-01", "zz", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-0g")) {
      spans.reset();
      assertEquals(200, get(bff.port(), "/api/posts/1", "traceparent", bad).statusCode());
      List<SpanData> all = awaitSpans(2);
      SpanData server = all.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
      assertTrue(!server.getParentSpanContext().isValid(), bad + ": a new root span");
      String sent = seen.get("/api/posts/1").get("traceparent");
      assertNotNull(sent);
      assertTrue(sent.startsWith("00-" + server.getTraceId() + "-"), bad + " was replaced by the gateway's own: " + sent);
    }
  }

  @Test
  void unsampledRequestsStillPropagateTheirTraceButRecordNoSpan() throws Exception {
    spans.reset();
    String unsampled = "00-" + TRACE_ID + "-" + CALLER_SPAN + "-00";
    assertEquals(200, get(bff.port(), "/api/posts/2", "traceparent", unsampled).statusCode());
    Thread.sleep(200);
    assertTrue(spans.getFinishedSpanItems().isEmpty(), "the caller said not sampled: no span");
    String sent = seen.get("/api/posts/2").get("traceparent");
    Matcher m = Pattern.compile("00-" + TRACE_ID + "-([0-9a-f]{16})-00").matcher(sent);
    assertTrue(m.matches(), "the trace goes on, unsampled: " + sent);
    assertTrue(!m.group(1).equals(CALLER_SPAN), "with the gateway's span as the parent");
  }

  @Test
  void metricsCountRoutesServicesAndPartialAnswers() throws Exception {
    assertEquals(200, get(bff.port(), "/v1/screens/home").statusCode());
    HttpResponse<String> partial = get(bff.port(), "/v1/screens/partial");
    assertEquals(200, partial.statusCode());
    assertEquals("true", partial.headers().firstValue("x-bff-partial").orElse(null));
    assertEquals(404, get(bff.port(), "/nowhere/u123").statusCode());
    HttpResponse<String> scrape = get(bff.adminPort(), "/metrics");
    assertEquals(200, scrape.statusCode());
    assertTrue(scrape.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
    String text = scrape.body();
    assertTrue(value(text, "bff_requests_total", "route=\"screen:home\"", "status_class=\"2xx\"") >= 1, text);
    assertTrue(value(text, "bff_partial_answers_total", "route=\"screen:partial\"") >= 1);
    assertTrue(value(text, "bff_upstream_calls_total", "service=\"posts\"", "outcome=\"server_error\"") >= 1);
    assertTrue(value(text, "bff_upstream_calls_total", "service=\"interop\"", "outcome=\"ok\"") >= 1);
    assertTrue(value(text, "bff_requests_total", "route=\"none\"", "status_class=\"4xx\"") >= 1);
    // The SLO's threshold is a bucket bound, so the SLO can be read from the histogram exactly.
    assertTrue(value(text, "bff_request_duration_seconds_bucket", "route=\"screen:home\"", "le=\"0.3\"") >= 1);
    assertTrue(value(text, "bff_upstream_breaker_state", "service=\"users\"", "state=\"closed\"") == 1);
    assertTrue(text.contains("jvm_memory_used_bytes"), "process meters follow the BFF's");
    assertTrue(text.contains("bff_event_loop_lag_seconds_count"));
    // Labels come from the route table only: no raw path, no id.
    assertTrue(!text.contains("u123") && !text.contains("/nowhere"), "no raw path in any label");
    List<String> routeLabels = Pattern.compile("route=\"([^\"]*)\"").matcher(text).results().map(x -> x.group(1))
        .distinct().sorted().collect(Collectors.toList());
    for (String label : routeLabels) {
      assertTrue(label.equals("none") || bff.routes().routes().stream().anyMatch(rt -> rt.name().equals(label)), label);
    }
  }

  @Test
  void eachRequestsLogHasItsRouteStatusCallsAndTheGatewaysOwnErrorCode() throws Exception {
    List<RequestLog> logs = new CopyOnWriteArrayList<>();
    bff.observability().observe(logs::add);
    assertEquals(200, get(bff.port(), "/v1/screens/home").statusCode());
    assertEquals(404, get(bff.port(), "/v1/screens/nope").statusCode());
    assertEquals(200, get(bff.port(), "/api/posts/7").statusCode());
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (logs.size() < 3 && System.nanoTime() < until) Thread.sleep(10);
    // A proxy's call ends just after the client's answer: the log waits for it.
    RequestLog proxied = logs.stream().filter(l -> l.route() != null && l.route().kind().label().equals("proxy")).findFirst()
        .orElseThrow();
    assertEquals(1, proxied.callCount());
    assertEquals(Outcome.OK, proxied.call(0).outcome(), "ended, not in flight");
    assertEquals(200, proxied.call(0).status());
    assertEquals("proxy", proxied.call(0).protocol());
    RequestLog home = logs.stream().filter(l -> l.route() != null && l.route().name().equals("screen:home")).findFirst().orElseThrow();
    assertEquals(200, home.status());
    assertEquals(3, home.callCount());
    for (int i = 0; i < home.callCount(); i++) {
      UpstreamCall c = home.call(i);
      assertEquals(Outcome.OK, c.outcome(), c.service());
      assertTrue(c.startOffsetNanos() >= 0 && c.durationNanos() > 0 && c.durationNanos() <= home.durationNanos(), c.service());
    }
    assertTrue(home.bytesOut() > 0);
    assertNull(home.errorCode());
    assertEquals(32, home.trace().traceId().length());
    RequestLog nope = logs.stream().filter(l -> l.status() == 404).findFirst().orElseThrow();
    assertEquals("screen_not_found", nope.errorCode(), "the error body's code");
    assertEquals(0, nope.callCount(), "nothing reached a service");
  }

  /** The sum of the samples of {@code name} whose labels contain every one of {@code labels}. */
  static double value(String text, String name, String... labels) {
    double sum = 0;
    boolean found = false;
    for (String line : text.split("\n")) {
      if (!line.startsWith(name + "{")) continue;
      boolean all = true;
      for (String l : labels) all &= line.contains(l);
      if (all) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        found = true;
      }
    }
    return found ? sum : -1;
  }
}
