package dev.bffkit.core.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.config.BundleLoader;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proxy-Wasm filters in a real BFF in front of a real upstream that echoes what it received. */
class WasmFilterTest {
  @TempDir
  Path tmp;
  Vertx vertx;
  HttpServer upstream;
  HttpClient client;
  /** Requests go out on a Vert.x context (see HostileFiltersTest: Vert.x 5.0.7's client off one loses answers). */
  OnLoop loop;
  final List<Bff.RunningBff> bffs = new ArrayList<>();

  static final String ADD_HEADERS = Wat.filter("""
        (import "env" "proxy_add_header_map_value" (func $add (param i32 i32 i32 i32 i32) (result i32)))
      """, """
        (data (i32.const 16) "x-wasm")
        (data (i32.const 32) "1")
        (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
          (drop (call $add (i32.const 0) (i32.const 16) (i32.const 6) (i32.const 32) (i32.const 1)))
          (i32.const 0))
        (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
          (drop (call $add (i32.const 2) (i32.const 16) (i32.const 6) (i32.const 32) (i32.const 1)))
          (i32.const 0))
      """);

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> {
      if (req.uri().contains("/chunked/")) {
        chunked(req);
        return;
      }
      req.body().onSuccess(body -> {
        JsonObject headers = new JsonObject();
        req.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
        req.response().putHeader("content-type", "application/json")
            .end(new JsonObject().put("headers", headers).put("body", body.toString()).put("path", req.uri()).encode());
      });
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    client = vertx.createHttpClient();
    loop = new OnLoop(vertx.getOrCreateContext());
  }

  /** {@code .../chunked/N}: N chunks "chunk-0", "chunk-1"... without content-length, 5 ms apart (so they travel apart). */
  private void chunked(HttpServerRequest req) {
    int n = Integer.parseInt(req.uri().substring(req.uri().lastIndexOf('/') + 1));
    HttpServerResponse resp = req.response().setChunked(true).putHeader("content-type", "text/plain");
    for (int i = 0; i < n; i++) {
      int at = i;
      vertx.setTimer(5L * (i + 1), t -> {
        resp.write("chunk-" + at);
        if (at == n - 1) resp.end();
      });
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (Bff.RunningBff b : bffs) b.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  Bff.RunningBff bff(Map<String, byte[]> files, String filters) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("b" + bffs.size()));
    Files.createDirectories(dir.resolve("filters"));
    for (Map.Entry<String, byte[]> f : files.entrySet()) Files.write(dir.resolve("filters").resolve(f.getKey()), f.getValue());
    Files.writeString(dir.resolve("bff.yaml"), """
        name: web
        server: { host: 127.0.0.1, port: 0, instances: 1 }
        services:
          posts: { endpoints: "http://127.0.0.1:%d" }
        routes:
          - { prefix: /api/posts, service: posts }
          - { prefix: /api/plain, service: posts }
        filters:
          wasm:
        """.formatted(upstream.actualPort()) + filters);
    Files.writeString(dir.resolve("schema.graphqls"), "type Query {\n  post(id: ID = \"p1\"): Post"
        + " @rest(service: \"posts\", path: \"/posts/{args.id}\")\n}\ntype Post { id: ID text: String }\n");
    Files.createDirectories(dir.resolve("screens"));
    Files.writeString(dir.resolve("screens/home.graphql"), "query Home { post { id text } }\n");
    Bff.RunningBff b = Bff.start(vertx, BundleLoader.load(dir, name -> null)).await(20, TimeUnit.SECONDS);
    bffs.add(b);
    return b;
  }

  record Answer(HttpClientResponse resp, Buffer body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  Answer send(Bff.RunningBff b, HttpMethod method, String uri, Buffer body, String... headers) throws Exception {
    RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(b.port()).setURI(uri);
    for (int i = 0; i < headers.length; i += 2) o.putHeader(headers[i], headers[i + 1]);
    return loop.run(() -> client.request(o).compose(r -> body == null ? r.send() : r.send(body))
        .compose(resp -> resp.body().map(bd -> new Answer(resp, bd)))).await(10, TimeUnit.SECONDS);
  }

  @Test
  void aHeaderFilterAddsToTheRequestAndTheAnswerOfItsRoutesOnly() throws Exception {
    Bff.RunningBff b = bff(Map.of("add.wasm", Wat.compile(ADD_HEADERS)),
        "    - { name: add, file: filters/add.wasm, routes: [\"proxy:/api/posts\"] }\n");
    Answer a = send(b, HttpMethod.GET, "/api/posts/1", null);
    assertEquals(200, a.resp().statusCode(), a.body().toString());
    assertEquals("1", a.json().getJsonObject("headers").getString("x-wasm"));
    assertEquals("1", a.resp().getHeader("x-wasm"));
    Answer plain = send(b, HttpMethod.GET, "/api/plain/1", null);
    assertEquals(200, plain.resp().statusCode());
    assertNull(plain.json().getJsonObject("headers").getString("x-wasm"));
    assertNull(plain.resp().getHeader("x-wasm"));
    // a body through the filtered route: the upstream gets it whole
    Answer post = send(b, HttpMethod.POST, "/api/posts/1", Buffer.buffer("{\"a\":1}"), "content-type", "application/json");
    assertEquals("{\"a\":1}", post.json().getString("body"));
    assertTrue(Integer.parseInt(post.resp().getHeader("content-length")) > 0);
  }

  static double callbacks(MeterRegistry r, String filter) {
    FunctionCounter c = r.find("bff.wasm.callbacks").tag("filter", filter).functionCounter();
    return c == null ? -1 : c.count();
  }

  static double callbackSeconds(MeterRegistry r, String filter) {
    FunctionCounter c = r.find("bff.wasm.callback.seconds").tag("filter", filter).functionCounter();
    return c == null ? -1 : c.count();
  }

  @Test
  void everyCallbackIsCountedAndTimed() throws Exception {
    Bff.RunningBff b = bff(Map.of("add.wasm", Wat.compile(ADD_HEADERS)),
        "    - { name: add, file: filters/add.wasm, routes: [\"proxy:/api/posts\"] }\n");
    MeterRegistry r = HostileFiltersTest.registry(b);
    assertEquals(200, send(b, HttpMethod.GET, "/api/posts/1", null).resp().statusCode()); // the instance is made
    double before = callbacks(r, "add");
    double secondsBefore = callbackSeconds(r, "add");
    for (int i = 0; i < 5; i++) assertEquals(200, send(b, HttpMethod.GET, "/api/posts/1", null).resp().statusCode());
    // on_context_create, on_request_headers and on_response_headers, for each request (the first two timed as one)
    assertEquals(before + 15, callbacks(r, "add"));
    assertTrue(callbackSeconds(r, "add") > secondsBefore, "no time in callbacks counted");
  }

  @Test
  void aReloadedFiltersMetersAddToTheSameCounters() {
    MeterRegistry r = new SimpleMeterRegistry();
    new FilterMeters("f", r).tally().add(2, 1_000_000);
    // a reload makes new meters for the filter: the registry keeps the first counters, which must see these too
    new FilterMeters("f", r).tally().add(3, 2_000_000);
    assertEquals(5, callbacks(r, "f"));
    assertEquals(0.003, callbackSeconds(r, "f"), 1e-9);
    // another registry (another BFF in this JVM) counts its own
    MeterRegistry other = new SimpleMeterRegistry();
    new FilterMeters("f", other).tally().add(1, 1);
    assertEquals(1, callbacks(other, "f"));
    assertEquals(5, callbacks(r, "f"));
  }

  @Test
  void screensGraphqlAndNotModifiedAnswersPassTheirFilters() throws Exception {
    Bff.RunningBff b = bff(Map.of("add.wasm", Wat.compile(ADD_HEADERS)),
        "    - { name: add, file: filters/add.wasm, routes: [\"screen:*\", graphql] }\n");
    Answer screen = send(b, HttpMethod.GET, "/v1/screens/home", null);
    assertEquals(200, screen.resp().statusCode(), screen.body().toString());
    assertEquals("1", screen.resp().getHeader("x-wasm"));
    assertTrue(screen.json().containsKey("data"), screen.body().toString());
    String etag = screen.resp().getHeader("etag");
    Answer again = send(b, HttpMethod.GET, "/v1/screens/home", null, "if-none-match", etag);
    assertEquals(304, again.resp().statusCode());
    assertEquals("1", again.resp().getHeader("x-wasm"));
    assertEquals(0, again.body().length());
    Answer gql = send(b, HttpMethod.POST, "/graphql", Buffer.buffer("{\"query\":\"{ post { id } }\"}"),
        "content-type", "application/json");
    assertEquals(200, gql.resp().statusCode(), gql.body().toString());
    assertEquals("1", gql.resp().getHeader("x-wasm"));
    assertTrue(gql.json().containsKey("data"), gql.body().toString());
  }

  @Test
  void aHeaderOnlyFilterPassesAStreamedAnswerThroughWhole() throws Exception {
    Bff.RunningBff b = bff(Map.of("add.wasm", Wat.compile(ADD_HEADERS)),
        "    - { name: add, file: filters/add.wasm, routes: [\"proxy:/api/posts\"] }\n");
    Answer a = send(b, HttpMethod.GET, "/api/posts/chunked/3", null);
    assertEquals(200, a.resp().statusCode(), a.body().toString());
    assertEquals("chunk-0chunk-1chunk-2", a.body().toString());
    assertEquals("1", a.resp().getHeader("x-wasm"));
    assertNull(a.resp().getHeader("content-length"), "streamed, as the upstream did");
  }

  /** A header-only filter that sets the answer's content-length to 3 (a lie: it does not touch the body). */
  static final String LYING_LENGTH = Wat.filter("""
        (import "env" "proxy_replace_header_map_value" (func $replace (param i32 i32 i32 i32 i32) (result i32)))
      """, """
        (data (i32.const 16) "content-length")
        (data (i32.const 40) "3")
        (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
          (drop (call $replace (i32.const 2) (i32.const 16) (i32.const 14) (i32.const 40) (i32.const 1)))
          (i32.const 0))
      """);

  @Test
  void aHeaderFilterThatChangesContentLengthIsCaughtBeforeTheHeadGoesOut() throws Exception {
    // the host notes content-length while counting the answer's fields for the callback: a filter's write must win
    Bff.RunningBff b = bff(Map.of("lie.wasm", Wat.compile(LYING_LENGTH)),
        "    - { name: lie, file: filters/lie.wasm, routes: [\"proxy:/api/posts\"] }\n");
    Answer a = send(b, HttpMethod.GET, "/api/posts/1", null);
    assertEquals(503, a.resp().statusCode(), a.body().toString());
    assertEquals("filter_failed", a.json().getJsonObject("error").getString("code"));
  }

  /** The load test's body filter (load-tests/src/main/resources/wasm/mask-digits.wat): buffers, masks every digit. */
  static final String MASK_DIGITS = Wat.filter("""
        (import "env" "proxy_get_buffer_bytes" (func $get (param i32 i32 i32 i32 i32) (result i32)))
        (import "env" "proxy_set_buffer_bytes" (func $set (param i32 i32 i32 i32 i32) (result i32)))
        (import "env" "proxy_remove_header_map_value" (func $remove (param i32 i32 i32) (result i32)))
      """, """
        (data (i32.const 16) "content-length")
        (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
          (drop (call $remove (i32.const 2) (i32.const 16) (i32.const 14)))
          (i32.const 0))
        (func (export "proxy_on_response_body") (param $ctx i32) (param $size i32) (param $eos i32) (result i32)
          (local $ptr i32) (local $len i32) (local $i i32) (local $c i32)
          (if (i32.eqz (local.get $eos)) (then (return (i32.const 1))))
          (global.set $heap (i32.const 8192))
          (if (i32.ne (call $get (i32.const 1) (i32.const 0) (local.get $size) (i32.const 0) (i32.const 4)) (i32.const 0))
            (then (return (i32.const 0))))
          (local.set $ptr (i32.load (i32.const 0)))
          (local.set $len (i32.load (i32.const 4)))
          (block $done
            (loop $next
              (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
              (local.set $c (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
              (if (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))
                (then (i32.store8 (i32.add (local.get $ptr) (local.get $i)) (i32.const 35))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $next)))
          (drop (call $set (i32.const 1) (i32.const 0) (local.get $size) (local.get $ptr) (local.get $len)))
          (i32.const 0))
      """);

  @Test
  void aBodyFilterSeesTheWholeAnswerAndRewritesIt() throws Exception {
    Bff.RunningBff b = bff(Map.of("mask.wasm", Wat.compile(MASK_DIGITS)),
        "    - { name: mask, file: filters/mask.wasm, routes: [\"proxy:/api/posts\"] }\n");
    Answer whole = send(b, HttpMethod.GET, "/api/posts/123", null);
    assertEquals(200, whole.resp().statusCode(), whole.body().toString());
    assertEquals("/api/posts/###", whole.json().getString("path"));
    assertEquals(whole.body().length(), Integer.parseInt(whole.resp().getHeader("content-length")));
    // three chunks apart: buffered (StopIterationAndBuffer), then masked whole at the end
    Answer streamed = send(b, HttpMethod.GET, "/api/posts/chunked/3", null);
    assertEquals("chunk-#chunk-#chunk-#", streamed.body().toString());
    // another route: untouched
    assertEquals("/api/plain/123", send(b, HttpMethod.GET, "/api/plain/123", null).json().getString("path"));
  }

  static final String LOOP_IN_REQUEST_HEADERS = Wat.filter("", """
        (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
          (loop $forever (br $forever))
          (i32.const 0))
      """);

  @Test
  void aLoopingFilterIsStoppedAtItsBudgetAndFailsItsRequestOpenOrClosed() throws Exception {
    byte[] loop = Wat.compile(LOOP_IN_REQUEST_HEADERS);
    Bff.RunningBff b = bff(Map.of("loop.wasm", loop), """
            - { name: closed, file: filters/loop.wasm, routes: ["proxy:/api/posts"], callbackBudget: 20ms }
            - { name: open, file: filters/loop.wasm, routes: ["proxy:/api/plain"], failure: open, callbackBudget: 20ms }
        """);
    // the watchdog looks at least five times per budget (its tick follows the smallest budget loaded)
    assertTrue(CallbackWatchdog.get().tickNanos() <= 4_000_000, "tick " + CallbackWatchdog.get().tickNanos() + " ns");
    for (int i = 0; i < 3; i++) {
      long t0 = System.nanoTime();
      Answer closed = send(b, HttpMethod.GET, "/api/posts/1", null);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(503, closed.resp().statusCode(), closed.body().toString());
      assertEquals("filter_failed", closed.json().getJsonObject("error").getString("code"));
      assertTrue(ms < 5000, "answered in " + ms + " ms"); // 20 ms of budget; the rest is a busy shared machine
      Answer open = send(b, HttpMethod.GET, "/api/plain/1", null);
      assertEquals(200, open.resp().statusCode(), open.body().toString());
    }
  }

  @Test
  void anIdleWatchdogSleepsAndTheNextCallbackWakesItToStopALoop() throws Exception {
    byte[] loop = Wat.compile(LOOP_IN_REQUEST_HEADERS);
    Bff.RunningBff b = bff(Map.of("loop.wasm", loop), """
            - { name: closed, file: filters/loop.wasm, routes: ["proxy:/api/posts"], callbackBudget: 20ms }
        """);
    // no callback for a second: the watchdog stops ticking (an idle BFF with filters costs no wake-ups)
    long until = System.nanoTime() + 10_000_000_000L;
    while (!CallbackWatchdog.get().asleep() && System.nanoTime() < until) Thread.sleep(50);
    assertTrue(CallbackWatchdog.get().asleep(), "the watchdog still ticks after 10 s without a callback");
    // the looping callback wakes it, and it is stopped at its budget as ever
    long t0 = System.nanoTime();
    Answer closed = send(b, HttpMethod.GET, "/api/posts/1", null);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(503, closed.resp().statusCode(), closed.body().toString());
    assertTrue(ms < 5000, "answered in " + ms + " ms");
  }
}
