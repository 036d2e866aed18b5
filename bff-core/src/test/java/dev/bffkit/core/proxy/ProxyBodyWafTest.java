package dev.bffkit.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CorsConfig;
import dev.bffkit.core.config.FiltersConfig;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.TlsConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The WAF on proxied request bodies, against a real upstream on loopback that counts what it gets. */
class ProxyBodyWafTest {
  private static final int LIMIT = 8 * 1024;
  private static final String JSON = "application/json";
  private static final String FORM = "application/x-www-form-urlencoded";
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String BINARY = "application/octet-stream";

  /** Held: a logger nobody references may be collected, and a new one would lack the handler. */
  private static final Logger SECURITY_LOG = Logger.getLogger("dev.bffkit.security");

  private Vertx vertx;
  private HttpServer upstream;
  private Bff.RunningBff bff;
  private HttpClient client;
  private OnLoop loop;
  /** Requests the upstream received at all (its handler ran). */
  private final AtomicInteger upstreamRequests = new AtomicInteger();
  private final Promise<Void> upstreamSawFirstChunk = Promise.promise();
  private final Promise<Void> upstreamSawReset = Promise.promise();
  private final List<String> logged = new CopyOnWriteArrayList<>();
  private final Handler logHandler = new Handler() {
    @Override public void publish(LogRecord r) { logged.add(r.getMessage()); }
    @Override public void flush() { }
    @Override public void close() { }
  };

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> {
      upstreamRequests.incrementAndGet();
      MessageDigest sha = sha256();
      long[] bytes = {0};
      req.handler(chunk -> {
        sha.update(chunk.getBytes());
        bytes[0] += chunk.length();
        upstreamSawFirstChunk.tryComplete();
      });
      req.exceptionHandler(e -> upstreamSawReset.tryComplete());
      req.endHandler(v -> req.response().putHeader("content-type", JSON).end(new JsonObject()
          .put("sha256", HexFormat.of().formatHex(sha.digest())).put("bytes", bytes[0])
          .put("type", req.getHeader("content-type")).encode()));
    }).listen(0, "127.0.0.1").await();
    client = vertx.createHttpClient();
    loop = new OnLoop(vertx.getOrCreateContext());
    SECURITY_LOG.addHandler(logHandler);
  }

  @AfterEach
  void stop() throws Exception {
    SECURITY_LOG.removeHandler(logHandler);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private void start(FiltersConfig.WafMode mode, FiltersConfig.OverLimit overLimit) {
    FiltersConfig filters = new FiltersConfig(List.of(), List.of(), List.of(), null, Set.of(), Set.of(), mode,
        new FiltersConfig.WafBody(true, LIMIT, overLimit, FiltersConfig.WafBody.DEFAULT_TYPES));
    ClientBundle b = TestBundles.bundle(TestBundles.server(Duration.ofSeconds(1)), Duration.ofSeconds(3),
        Map.of("up", TestBundles.service("up", upstream.actualPort())),
        List.of(new ProxyRouteConfig("/api", "up", "/api", Set.of()).withMaxBodyBytes(8 << 20)), "type Query { ping: String }", Map.of());
    b = new ClientBundle(b.config().withEdge(filters, CorsConfig.off(), TlsConfig.off()), b.schema(), b.screens());
    bff = Bff.start(vertx, b).await();
  }

  private record Answer(int status, JsonObject json) {
    String code() { return json.getJsonObject("error").getString("code"); }
  }

  private RequestOptions post(String type, String requestId) {
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(bff.port())
        .setURI("/api/things").putHeader("x-request-id", requestId);
    if (type != null) o.putHeader("content-type", type);
    return o;
  }

  /** Sends {@code body} with its length, or chunked in pieces of {@code chunk} bytes when chunk > 0. */
  private Answer send(String type, Buffer body, int chunk) throws Exception {
    return send(post(type, "req-1"), body, chunk);
  }

  private Answer send(RequestOptions o, Buffer body, int chunk) throws Exception {
    return loop.run(() -> client.request(o).compose(req -> {
      Future<io.vertx.core.http.HttpClientResponse> resp;
      if (body == null) {
        resp = req.send();
      } else if (chunk <= 0) {
        resp = req.send(body);
      } else {
        req.setChunked(true);
        for (int i = 0; i < body.length(); i += chunk) req.write(body.slice(i, Math.min(body.length(), i + chunk)));
        req.end();
        resp = req.response();
      }
      return resp.compose(r -> r.body().map(b -> new Answer(r.statusCode(), b.length() == 0 ? new JsonObject()
          : new JsonObject(b))));
    })).await(10, TimeUnit.SECONDS);
  }

  /** Asserts the upstream got exactly {@code body}, compared by length and SHA-256. */
  private void assertArrivesIntact(String type, Buffer body, int chunk) throws Exception {
    int before = upstreamRequests.get();
    Answer a = send(type, body, chunk);
    assertEquals(200, a.status(), a.json().encode());
    assertEquals(body.length(), a.json().getLong("bytes"), "bytes of a " + body.length() + "-byte body");
    assertEquals(HexFormat.of().formatHex(sha256().digest(body.getBytes())), a.json().getString("sha256"));
    assertEquals(before + 1, upstreamRequests.get());
  }

  /** Refused before the upstream was contacted, and the same server then serves a good request. */
  private void assertRefused(int status, String code, String type, Buffer body, int chunk) throws Exception {
    int before = upstreamRequests.get();
    Answer a = send(type, body, chunk);
    assertEquals(status, a.status(), a.json().encode());
    assertEquals(code, a.code());
    assertEquals("req-1", a.json().getJsonObject("error").getString("requestId"));
    assertEquals(before, upstreamRequests.get(), "the upstream must never see a refused request");
    assertArrivesIntact(JSON, Buffer.buffer("{\"title\":\"a good request\",\"n\":1}"), 0);
  }

  private static Buffer text(int n, long seed) {
    // Hex digits: no rule can match them by chance.
    Random r = new Random(seed);
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) b[i] = (byte) "0123456789abcdef".charAt(r.nextInt(16));
    return Buffer.buffer(b);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void injectionInJsonAndFormBodiesIsBlockedBeforeTheUpstream() throws Exception {
    start(FiltersConfig.WafMode.BLOCK, FiltersConfig.OverLimit.PASS);
    assertRefused(403, "request_blocked", JSON, Buffer.buffer("{\"name\":\"x' OR '1'='1\"}"), 0);
    assertRefused(403, "request_blocked", "application/json; charset=utf-8",
        Buffer.buffer("{\"bio\":\"\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\"}"), 0);
    assertRefused(403, "request_blocked", FORM, Buffer.buffer("a=1&comment=%3Cscript%3Ealert(1)%3C%2Fscript%3E"), 0);
    assertRefused(403, "request_blocked", FORM, Buffer.buffer("q=1%27+OR+%271%27%3D%271"), 5);
    assertRefused(403, "request_blocked", null, Buffer.buffer("1 UNION SELECT password FROM users"), 0);
    // Values that only look alarming together, or an apostrophe in a name, are not injections.
    assertArrivesIntact(JSON, Buffer.buffer("{\"a\":\"select a name\",\"b\":\"from the list\",\"c\":\"where you live\"}"), 0);
    assertArrivesIntact(FORM, Buffer.buffer("name=O%27Brien&note=it%27s+fine"), 0);
    assertTrue(logged.stream().anyMatch(l -> l.matches("event=waf_blocked request_id=req-1 trace_id=[0-9a-f]{32} rule=xss where=body")),
        logged::toString);
  }

  private static Buffer compressed(String text, String coding) throws java.io.IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (java.io.OutputStream z = coding.equals("gzip") ? new java.util.zip.GZIPOutputStream(out)
        : new java.util.zip.DeflaterOutputStream(out)) {
      z.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return Buffer.buffer(out.toByteArray());
  }

  private Answer sendEncoded(String coding, Buffer body) throws Exception {
    return send(post(JSON, "req-1").putHeader("content-encoding", coding), body, 0);
  }

  @Test
  void compressedBodiesAreCheckedDecompressedAndForwardedAsSent() throws Exception {
    start(FiltersConfig.WafMode.BLOCK, FiltersConfig.OverLimit.PASS);
    for (String coding : List.of("gzip", "deflate")) {
      int before = upstreamRequests.get();
      Answer bad = sendEncoded(coding, compressed("{\"name\":\"x' OR '1'='1\"}", coding));
      assertEquals(403, bad.status(), coding + ": " + bad.json().encode());
      assertEquals(before, upstreamRequests.get(), "the upstream never sees a compressed attack");
      Buffer good = compressed("{\"title\":\"a good request\"}", coding);
      Answer ok = sendEncoded(coding, good);
      assertEquals(200, ok.status(), ok.json().encode());
      assertEquals(HexFormat.of().formatHex(sha256().digest(good.getBytes())), ok.json().getString("sha256"),
          "forwarded compressed, byte for byte");
    }
    // A bomb inflates no further than the inspection limit (a megabyte of zeros, a kilobyte sent).
    Answer bomb = sendEncoded("gzip", compressed("{\"pad\":\"" + "0".repeat(1 << 20) + "\"}", "gzip"));
    assertEquals(200, bomb.status(), bomb.json().encode());
    // A coding the WAF cannot read is refused by a blocking WAF (else compressing is the way round).
    int before = upstreamRequests.get();
    Answer br = sendEncoded("br", Buffer.buffer(new byte[] {0x1b, 0x2f, 0x00, 0x00}));
    assertEquals(403, br.status(), br.json().encode());
    assertEquals(before, upstreamRequests.get());
    assertTrue(logged.stream().anyMatch(l -> l.contains("rule=uninspectable-encoding")), logged::toString);
  }

  @Test
  void auditModeLogsAndForwards() throws Exception {
    start(FiltersConfig.WafMode.AUDIT, FiltersConfig.OverLimit.PASS);
    Buffer bad = Buffer.buffer("{\"name\":\"x' OR '1'='1\"}");
    Answer a = send(post(JSON, "req-audit"), bad, 0);
    assertEquals(200, a.status());
    assertEquals(bad.length(), a.json().getLong("bytes"));
    assertEquals(1, upstreamRequests.get());
    assertEquals(1, logged.size(), logged::toString);
    assertTrue(logged.get(0).matches("event=waf_audit request_id=req-audit trace_id=[0-9a-f]{32} rule=sqli where=body"), logged::toString);
  }

  @Test
  void cleanBodiesUnderAtAndOverTheLimitArriveByteForByte() throws Exception {
    start(FiltersConfig.WafMode.BLOCK, FiltersConfig.OverLimit.PASS);
    int seed = 0;
    for (int n : new int[] {1, LIMIT - 1, LIMIT, LIMIT + 1, 50_000}) {
      assertArrivesIntact(TEXT, text(n, seed++), 0);
      assertArrivesIntact(TEXT, text(n, seed++), 1000); // chunked, many chunks
    }
    assertArrivesIntact(TEXT, text(2 * 1024 * 1024, seed), 16 * 1024); // far over: chunked, with no length
    assertArrivesIntact(JSON, Buffer.buffer(""), 0);
    assertArrivesIntact(JSON, Buffer.buffer(""), 1); // chunked, nothing in it
    Answer get = send(new RequestOptions().setHost("127.0.0.1").setPort(bff.port()).setURI("/api/x"), null, 0);
    assertEquals(200, get.status());
    assertEquals(0, get.json().getLong("bytes"));
  }

  @Test
  void overTheLimitPassInspectsThePrefixAndStreamsTheRest() throws Exception {
    start(FiltersConfig.WafMode.BLOCK, FiltersConfig.OverLimit.PASS);
    // A match in the first LIMIT bytes blocks, however long the body.
    Buffer early = Buffer.buffer("<script>alert(1)</script>").appendBuffer(text(100_000, 1));
    assertRefused(403, "request_blocked", TEXT, early, 4096);
    assertRefused(403, "request_blocked", TEXT, early.slice(0, 60_000), 0);
    // Past the limit the rest streams unchecked (like ModSecurity's ProcessPartial).
    Buffer late = text(LIMIT + 100, 2).appendString("<script>alert(1)</script>");
    assertArrivesIntact(TEXT, late, 1000);
    // Still a stream past the prefix: the client sends the rest only once the upstream has bytes.
    Buffer first = text(LIMIT + 1000, 3);
    Buffer rest = text(512 * 1024, 4);
    Answer a = loop.run(() -> client.request(post(TEXT, "req-s")).compose(req -> {
      req.setChunked(true);
      req.write(first);
      upstreamSawFirstChunk.future().onSuccess(v -> req.end(rest));
      return req.response().compose(r -> r.body().map(b -> new Answer(r.statusCode(), new JsonObject(b))));
    })).await(10, TimeUnit.SECONDS);
    assertEquals(200, a.status());
    assertEquals(first.length() + rest.length(), a.json().getLong("bytes"));
    assertEquals(HexFormat.of().formatHex(sha256().digest(first.copy().appendBuffer(rest).getBytes())),
        a.json().getString("sha256"));
  }

  @Test
  void overTheLimitRejectIs413BeforeTheUpstream() throws Exception {
    start(FiltersConfig.WafMode.BLOCK, FiltersConfig.OverLimit.REJECT);
    assertRefused(413, "body_too_large", JSON, text(LIMIT + 1, 5), 0); // declared length
    assertRefused(413, "body_too_large", TEXT, text(200_000, 6), 1000); // chunked: counted
    assertArrivesIntact(TEXT, text(LIMIT, 7), 100); // at the limit: fine
    assertArrivesIntact(BINARY, text(200_000, 8), 1000); // not inspected: no limit but the server's
  }

  @Test
  void binaryBodiesStreamUninspected() throws Exception {
    start(FiltersConfig.WafMode.BLOCK, FiltersConfig.OverLimit.REJECT);
    assertArrivesIntact(BINARY, Buffer.buffer("<script>alert(1)</script>' OR '1'='1"), 0);
    assertArrivesIntact("image/png", text(100, 9).appendString("<script>"), 10);
    // Streamed as before: the client sends the rest only once the upstream has seen a first chunk.
    int chunk = 64 * 1024;
    Answer a = loop.run(() -> client.request(post(BINARY, "req-b")).compose(req -> {
      req.setChunked(true);
      req.write(Buffer.buffer(new byte[chunk]));
      upstreamSawFirstChunk.future().onSuccess(v -> {
        for (int i = 1; i < 32; i++) req.write(Buffer.buffer(new byte[chunk]));
        req.end();
      });
      return req.response().compose(r -> r.body().map(b -> new Answer(r.statusCode(), new JsonObject(b))));
    })).await(10, TimeUnit.SECONDS);
    assertEquals(200, a.status());
    assertEquals(32L * chunk, a.json().getLong("bytes"));
  }

  @Test
  void aClientThatStallsMidBodyGets408AndTheServerStaysHealthy() throws Exception {
    start(FiltersConfig.WafMode.BLOCK, FiltersConfig.OverLimit.PASS);
    long t0 = System.nanoTime();
    HttpClientRequest[] stalled = new HttpClientRequest[1];
    Answer a = loop.run(() -> client.request(post(JSON, "req-slow").putHeader("content-length", "1000")).compose(req -> {
      stalled[0] = req;
      req.write("{\"title\":\"half a bo");
      return req.response().compose(r -> r.body().map(b -> new Answer(r.statusCode(), new JsonObject(b))));
    })).await(10, TimeUnit.SECONDS);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(408, a.status(), a.json().encode());
    assertEquals("body_timeout", a.code());
    assertTrue(ms >= 2500 && ms < 6000, "answered at the 3 s deadline, not " + ms + " ms");
    assertEquals(0, upstreamRequests.get());
    assertArrivesIntact(JSON, Buffer.buffer("{\"ok\":true}"), 0);
  }

  @Test
  void aClientThatAbortsPastThePrefixResetsTheUpstreamRequest() throws Exception {
    start(FiltersConfig.WafMode.BLOCK, FiltersConfig.OverLimit.PASS);
    loop.run(() -> client.request(post(TEXT, "req-cut")).compose(req -> {
      req.setChunked(true);
      req.write(text(LIMIT + 1000, 10));
      upstreamSawFirstChunk.future().onSuccess(v -> req.connection().close());
      return Future.succeededFuture();
    })).await(10, TimeUnit.SECONDS);
    // The upstream sees its request fail, never a whole-looking body.
    upstreamSawReset.future().await(5, TimeUnit.SECONDS);
    assertArrivesIntact(JSON, Buffer.buffer("{\"ok\":true}"), 0);
  }
}
