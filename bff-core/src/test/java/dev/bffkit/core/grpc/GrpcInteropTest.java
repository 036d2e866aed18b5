package dev.bffkit.core.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bffkit.core.compose.ComposeContext;
import dev.bffkit.core.compose.ComposeResult;
import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.GrpcConfig;
import dev.bffkit.core.config.ServerConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.config.SourceFile;
import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.upstream.HttpUpstreams;
import dev.bffkit.core.upstream.UpstreamRegistry;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code @grpc} fields against a grpc-java server, through both executors (compiled plans and
 * graphql-java), which must agree: unary, server streaming, metadata, deadlines, every status,
 * 4 MB messages both ways, unknown fields, 64-bit integers, enums and well-known types.
 */
class GrpcInteropTest {
  static final String SCHEMA = """
      type Query {
        echo(req: JSON): JSON @grpc(service: "interop", method: "bffkit.interop.v1.Interop/Echo", request: "{args.req}",
                                    metadata: ["x-user: {ctx.sub}", "x-lang: {header.accept-language}", "x-fixed: yes"])
        echoId(id: String): String @grpc(service: "interop", method: "bffkit.interop.v1.Interop/Echo",
                                         request: "{\\"id\\": {args.id}}", select: "request.id")
        stream(n: Int!, failAfter: Int = 0): [Int] @grpc(service: "interop", method: "bffkit.interop.v1.Interop/Stream",
                                    request: "{\\"count\\": {args.n}, \\"failAfter\\": {args.failAfter}}", select: "seq")
        fail(code: Int!): JSON @grpc(service: "interop", method: "bffkit.interop.v1.Interop/Fail",
                                     request: "{\\"code\\": {args.code}, \\"message\\": \\"secret detail\\"}")
        failOr(code: Int!): Int @grpc(service: "interop", method: "bffkit.interop.v1.Interop/Fail",
                                     request: "{\\"code\\": {args.code}}") @fallback(value: -1)
        slow(ms: Int!): Int @grpc(service: "interop", method: "bffkit.interop.v1.Interop/Slow",
                                  request: "{\\"delayMs\\": {args.ms}}", select: "seq") @timeout(ms: 150)
        padding(bytes: Int!): String @grpc(service: "interop", method: "bffkit.interop.v1.Interop/Echo",
                                  request: "{\\"padBytes\\": {args.bytes}}", select: "padding")
      }
      """;
  static final ObjectMapper JSON = new ObjectMapper();
  static Vertx vertx;
  static InteropServer server;
  static HttpUpstreams upstreams;
  static CompositionEngine plans;
  static CompositionEngine reference;

  static ClientBundle bundle(String schema, int port) {
    Map<String, ServiceConfig> services = Map.of("interop", new ServiceConfig("interop",
        List.of(URI.create("http://127.0.0.1:" + port)), Duration.ofSeconds(1), 8, Duration.ofSeconds(30), Duration.ofSeconds(5)));
    GrpcConfig grpc = new GrpcConfig(
        List.of(new GrpcConfig.Entry("classpath:grpc/bffkit-services.desc", new GrpcConfig.Pos("bff.yaml", 3, "grpc.descriptors[0]"))),
        GrpcConfig.DEFAULT_MAX_MESSAGE_BYTES, Set.of("interop"), List.of(), List.of());
    CompositionConfig comp = new CompositionConfig(Duration.ofSeconds(3), true, "/graphql", "/v1/screens", 100);
    BffConfig cfg = new BffConfig("test", ServerConfig.defaults(), comp, services, List.of(), grpc);
    return new ClientBundle(cfg, new SourceFile("schema.graphqls", schema), List.of());
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    server = new InteropServer();
    ClientBundle b = bundle(SCHEMA, server.port());
    plans = CompositionEngine.create(b, true);
    reference = CompositionEngine.create(b, false);
    upstreams = new HttpUpstreams(vertx, new UpstreamRegistry(vertx, b.config().services()), GrpcConfig.DEFAULT_MAX_MESSAGE_BYTES);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static <T> T onLoop(Supplier<Future<T>> work) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    vertx.getOrCreateContext().runOnContext(v -> work.get().onComplete(ar -> {
      if (ar.succeeded()) done.complete(ar.result());
      else done.completeExceptionally(ar.cause());
    }));
    return done.get(20, TimeUnit.SECONDS);
  }

  /** Runs the query on both executors; they must give the same body. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> run(String query, Map<String, Object> vars) throws Exception {
    ComposeContext cx = new ComposeContext(upstreams, Deadline.inMillis(3000), "req-7", Map.of("sub", "u1"),
        MultiMap.caseInsensitiveMultiMap().add("accept-language", "de-CH"));
    ComposeResult a = onLoop(() -> plans.runQuery(query, null, vars, cx));
    ComposeResult b = onLoop(() -> reference.runQuery(query, null, vars, cx));
    Map<String, Object> ra = JSON.readValue(a.body().getBytes(), Map.class);
    Map<String, Object> rb = JSON.readValue(b.body().getBytes(), Map.class);
    assertTrue(rb.equals(ra), "plan and graphql-java disagree");
    return ra;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @Test
  void unaryWithEveryJsonMapping() throws Exception {
    Map<String, Object> req = new HashMap<>();
    req.put("id", "e1");
    req.put("big", "9007199254740993");          // > 2^53: must survive as a string
    req.put("ubig", "18446744073709551615");
    req.put("color", "GREEN");
    req.put("at", "2026-11-26T10:15:30.123Z");
    req.put("took", "1.5s");
    req.put("meta", Map.of("a", 1, "b", List.of(true, "x")));
    req.put("maybe", 0);
    req.put("blob", Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}));
    req.put("tags", List.of("t1", "t2"));
    req.put("counts", Map.of("k", "5"));
    req.put("number", 7);
    Map<String, Object> out = run("query($r: JSON) { echo(req: $r) }", Map.of("r", req));
    assertNull(out.get("errors"), () -> "errors: " + out.get("errors"));
    Map<String, Object> echo = map(map(out.get("data")).get("echo"));
    Map<String, Object> back = map(echo.get("request"));
    assertEquals("e1", back.get("id"));
    assertEquals("9007199254740993", back.get("big"));
    assertEquals("18446744073709551615", back.get("ubig"));
    assertEquals("GREEN", back.get("color"));
    assertEquals("2026-11-26T10:15:30.123Z", back.get("at"));
    assertEquals("1.500s", back.get("took"));
    assertEquals(Map.of("a", 1.0, "b", List.of(true, "x")), back.get("meta"));
    assertEquals(0, back.get("maybe"));
    assertEquals("AQID", back.get("blob"));
    assertEquals(List.of("t1", "t2"), back.get("tags"));
    assertEquals(Map.of("k", "5"), back.get("counts"));
    assertEquals(7, back.get("number"));
    assertEquals("", back.get("filter"), "fields at their default are printed");
    // the reply's unknown field 99 is skipped; metadata from claims, headers and literals arrived
    Map<String, Object> md = map(echo.get("metadata"));
    assertEquals("u1", md.get("x-user"));
    assertEquals("de-CH", md.get("x-lang"));
    assertEquals("yes", md.get("x-fixed"));
    assertEquals("req-7", md.get("x-request-id"));
    assertEquals("within-3s", md.get("deadline"), "grpc-timeout carries the remaining deadline");
  }

  @Test
  void selectAndDefaultsOfAnEmptyRequest() throws Exception {
    Map<String, Object> out = run("{ a: echoId(id: \"x9\") b: echoId }", Map.of());
    assertEquals(Map.of("a", "x9", "b", ""), out.get("data"));
  }

  @Test
  void serverStreamingGivesTheListOfMessages() throws Exception {
    Map<String, Object> out = run("{ stream(n: 5) }", Map.of());
    assertEquals(Map.of("stream", List.of(1, 2, 3, 4, 5)), out.get("data"));
    Map<String, Object> cut = run("{ stream(n: 5, failAfter: 2) }", Map.of());
    assertEquals(java.util.Collections.singletonMap("stream", null), cut.get("data"));
    Map<String, Object> ext = map(map(((List<?>) cut.get("errors")).get(0)).get("extensions"));
    assertEquals(429, ext.get("status"));
  }

  @Test
  void everyStatusMapsByGooglesTable() throws Exception {
    int[] expected = {200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401};
    for (int code = 1; code <= 16; code++) {
      Map<String, Object> out = run("{ fail(code: " + code + ") }", Map.of());
      Map<String, Object> err = map(((List<?>) out.get("errors")).get(0));
      Map<String, Object> ext = map(err.get("extensions"));
      assertEquals(expected[code], ext.get("status"), "code " + code);
      assertEquals(expected[code], GrpcStatuses.httpStatus(code));
      assertEquals("UPSTREAM_ERROR", ext.get("code"));
      assertEquals("the service answered gRPC " + GrpcStatuses.name(code), err.get("message"));
      assertTrue(!err.get("message").toString().contains("secret"), "the status message stays inside");
    }
    Map<String, Object> fb = run("{ failOr(code: 5) }", Map.of());
    assertEquals(Map.of("failOr", -1), fb.get("data"));
  }

  @Test
  void deadlineExceededCancelsTheCall() throws Exception {
    Map<String, Object> ok = run("{ slow(ms: 1) }", Map.of());
    assertEquals(Map.of("slow", 1), ok.get("data"));
    Map<String, Object> late = run("{ slow(ms: 5000) }", Map.of());
    Map<String, Object> ext = map(map(((List<?>) late.get("errors")).get(0)).get("extensions"));
    assertEquals("UPSTREAM_TIMEOUT", ext.get("code"));
  }

  @Test
  void fourMegabyteMessagesBothWays() throws Exception {
    int n = 4 * 1024 * 1024;
    Map<String, Object> out = run("{ padding(bytes: " + n + ") }", Map.of());
    assertNull(out.get("errors"));
    assertEquals(n, Base64.getDecoder().decode((String) map(out.get("data")).get("padding")).length);
    byte[] blob = new byte[n];
    blob[n - 1] = 42;
    Map<String, Object> req = Map.of("id", "big", "blob", Base64.getEncoder().encodeToString(blob));
    Map<String, Object> echoed = run("query($r: JSON) { echo(req: $r) }", Map.of("r", req));
    assertNull(echoed.get("errors"));
    byte[] back = Base64.getDecoder().decode((String) map(map(map(echoed.get("data")).get("echo")).get("request")).get("blob"));
    assertEquals(n, back.length);
    assertEquals(42, back[n - 1]);
  }

  @Test
  void aRequestThatDoesNotFitIsAFieldError() throws Exception {
    Map<String, Object> out = run("query($r: JSON) { echo(req: $r) }", Map.of("r", Map.of("nope", 1)));
    Map<String, Object> ext = map(map(((List<?>) out.get("errors")).get(0)).get("extensions"));
    assertEquals("BAD_VALUE", ext.get("code"));
    // The client is not told the protobuf type or its fields.
    assertEquals("a value this field needs is missing or not usable", map(((List<?>) out.get("errors")).get(0)).get("message"));
    assertNotNull(out.get("data"));
  }
}
