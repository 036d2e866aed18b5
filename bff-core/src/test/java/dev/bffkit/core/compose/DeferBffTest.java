package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.config.BundleLoader;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real BFF answering {@code @defer} in multipart parts, against a fast service and a gated slow
 * one: the slow answer is released only once the first part has reached the client, so the test
 * proves the initial payload does not wait for deferred fields (no timing involved).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeferBffTest {
  static final String SCHEMA = """
      type Query {
        me: User @rest(service: "fast", path: "/me")
        rows: [Row!] @rest(service: "slow", path: "/rows", select: "rows")
      }
      type User { id: ID! name: String }
      type Row { title: String }
      """;
  static final String HOME = """
      query Home {
        me { id name }
        ... @defer(label: "rows") { rows { title } }
      }
      """;
  static final String PLAIN = "query Home { me { id name } rows { title } }\n";
  static final String ACCEPT = "multipart/mixed;deferSpec=20220824,application/json";

  @TempDir static Path dir;
  Vertx vertx;
  HttpServer fast;
  HttpServer slow;
  Bff.RunningBff bff;
  HttpClient client;
  OnLoop loop;
  /** Slow requests waiting for their release, in arrival order. */
  final ConcurrentLinkedQueue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
  final AtomicInteger slowCalls = new AtomicInteger();
  final AtomicInteger slowClosed = new AtomicInteger();
  volatile boolean gated = true;

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    fast = vertx.createHttpServer().requestHandler(req -> req.response().putHeader("content-type", "application/json")
        .end("{\"id\":\"u1\",\"name\":\"Ada\"}")).listen(0, "127.0.0.1").await();
    slow = vertx.createHttpServer().requestHandler(req -> {
      slowCalls.incrementAndGet();
      req.connection().closeHandler(v -> slowClosed.incrementAndGet());
      if (gated) {
        held.add(req);
        // The client may have released the gate between the check and the add: then nobody polls this one.
        if (!gated) releaseSlow();
      } else {
        answerSlow(req);
      }
    }).listen(0, "127.0.0.1").await();
    Path folder = dir.resolve("defer");
    Files.createDirectories(folder.resolve("screens"));
    Files.writeString(folder.resolve("bff.yaml"), """
        name: defer
        server: { host: 127.0.0.1, port: 0, instances: 1 }
        composition: { deadline: 20s, adhocGraphql: true }
        services:
          fast: { endpoints: ["http://127.0.0.1:%d"], timeout: 10s }
          slow: { endpoints: ["http://127.0.0.1:%d"], timeout: 20s }
        """.formatted(fast.actualPort(), slow.actualPort()));
    Files.writeString(folder.resolve("schema.graphqls"), SCHEMA);
    Files.writeString(folder.resolve("screens/home.graphql"), HOME);
    Files.writeString(folder.resolve("screens/plain.graphql"), PLAIN);
    bff = Bff.start(vertx, BundleLoader.load(folder, Map.<String, String>of()::get)).await(10, TimeUnit.SECONDS);
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    loop = new OnLoop(vertx.getOrCreateContext());
  }

  @AfterAll
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static void answerSlow(HttpServerRequest req) {
    if (req.response().closed()) return;
    req.response().putHeader("content-type", "application/json").end("{\"rows\":[{\"title\":\"Top\"},{\"title\":\"New\"}]}");
  }

  void releaseSlow() {
    HttpServerRequest r;
    while ((r = held.poll()) != null) {
      HttpServerRequest req = r;
      vertx.runOnContext(v -> answerSlow(req));
    }
  }

  /** What the client saw: head, the raw chunks in order, and the body. */
  record Seen(int status, String contentType, String etag, List<String> chunks, String body, int slowCallsAtFirstPart) {}

  /**
   * Sends and reads the chunks; once the first part is in, {@code onFirstPart} runs (releases the
   * slow service, or disconnects).
   */
  Seen send(HttpMethod method, String uri, String accept, String body, boolean disconnectAfterFirst) throws Exception {
    CompletableFuture<Seen> out = new CompletableFuture<>();
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(bff.port()).setMethod(method).setURI(uri)
        .putHeader("accept", accept);
    if (body != null) o.putHeader("content-type", "application/json");
    loop.run(() -> client.request(o).compose(req -> {
      Future<HttpClientResponse> sent = body == null ? req.send() : req.send(Buffer.buffer(body));
      return sent.map(resp -> {
        List<String> chunks = new ArrayList<>();
        StringBuilder all = new StringBuilder();
        int[] atFirst = {-1};
        resp.handler(chunk -> {
          chunks.add(chunk.toString());
          all.append(chunk);
          if (atFirst[0] < 0 && all.indexOf("\r\n--graphql\r\n", 2) > 0) { // the first part is complete
            atFirst[0] = slowCalls.get();
            if (disconnectAfterFirst) {
              out.complete(new Seen(resp.statusCode(), resp.getHeader("content-type"), resp.getHeader("etag"), chunks,
                  all.toString(), atFirst[0]));
              req.connection().close();
            } else {
              gated = false;
              releaseSlow();
            }
          }
        });
        resp.endHandler(v -> out.complete(new Seen(resp.statusCode(), resp.getHeader("content-type"), resp.getHeader("etag"),
            chunks, all.toString(), atFirst[0])));
        resp.exceptionHandler(out::completeExceptionally);
        if (!ACCEPT.equals(accept)) releaseSlow(); // one-piece answers wait for everything
        return null;
      });
    }));
    if (!ACCEPT.equals(accept) || body != null && body.contains("@include")) {
      // the one-piece answer needs the slow service: release it as its call arrives
      for (int i = 0; i < 250 && !out.isDone(); i++) {
        releaseSlow();
        Thread.sleep(20);
      }
    }
    return out.get(15, TimeUnit.SECONDS);
  }

  static final String EXPECTED = "\r\n--graphql\r\ncontent-type: application/json\r\n\r\n"
      + "{\"data\":{\"me\":{\"id\":\"u1\",\"name\":\"Ada\"}},\"hasNext\":true}\r\n--graphql\r\n"
      + "content-type: application/json\r\n\r\n"
      + "{\"hasNext\":false,\"incremental\":[{\"data\":{\"rows\":[{\"title\":\"Top\"},{\"title\":\"New\"}]},\"path\":[],\"label\":\"rows\"}]}"
      + "\r\n--graphql--\r\n";

  @Test
  void screenSendsTheFirstPartBeforeTheSlowServiceAnswers() throws Exception {
    gated = true;
    int before = slowCalls.get();
    Seen s = send(HttpMethod.GET, "/v1/screens/home", ACCEPT, null, false);
    assertEquals(200, s.status());
    assertEquals("multipart/mixed;boundary=\"graphql\";deferSpec=20220824", s.contentType());
    assertNull(s.etag(), "no ETag on a multipart answer");
    assertEquals(EXPECTED, s.body());
    // The slow call had gone out before the first part arrived: deferred fetches start at once.
    assertEquals(before + 1, s.slowCallsAtFirstPart());
    assertTrue(s.chunks().size() >= 2, "the parts came in separate chunks: " + s.chunks());
  }

  @Test
  void jsonClientsGetTodaysAnswer() throws Exception {
    Seen deferred = send(HttpMethod.GET, "/v1/screens/home", "application/json", null, false);
    Seen plain = send(HttpMethod.GET, "/v1/screens/plain", "application/json", null, false);
    assertEquals(200, deferred.status());
    assertTrue(deferred.contentType().startsWith("application/json"), deferred.contentType());
    assertEquals("{\"data\":{\"me\":{\"id\":\"u1\",\"name\":\"Ada\"},\"rows\":[{\"title\":\"Top\"},{\"title\":\"New\"}]}}",
        deferred.body());
    assertEquals(plain.body(), deferred.body());
    assertEquals(plain.etag(), deferred.etag(), "the same ETag as the screen without @defer");
    Seen wildcard = send(HttpMethod.GET, "/v1/screens/home", "*/*", null, false);
    assertEquals(plain.body(), wildcard.body(), "a wildcard is not a request for multipart");
  }

  @Test
  void adhocQueriesToo() throws Exception {
    gated = true;
    String q = "{\"query\":\"query Home { me { id name } ... @defer(label: \\\"rows\\\") { rows { title } } }\"}";
    Seen s = send(HttpMethod.POST, "/graphql", ACCEPT, q, false);
    assertEquals(200, s.status());
    assertEquals(EXPECTED, s.body());
    Seen json = send(HttpMethod.POST, "/graphql", "application/json", q, false);
    assertEquals("{\"data\":{\"me\":{\"id\":\"u1\",\"name\":\"Ada\"},\"rows\":[{\"title\":\"Top\"},{\"title\":\"New\"}]}}",
        json.body());
    // A query the plan compiler leaves to graphql-java (@include) is answered in one piece, the fragment inlined.
    Seen fallback = send(HttpMethod.POST, "/graphql", ACCEPT,
        "{\"query\":\"{ me @include(if: true) { id } ... @defer { rows { title } } }\"}", false);
    assertTrue(fallback.contentType().startsWith("application/json"), fallback.contentType());
    assertEquals("{\"data\":{\"me\":{\"id\":\"u1\"},\"rows\":[{\"title\":\"Top\"},{\"title\":\"New\"}]}}", fallback.body());
    // A misused directive is a request error in one JSON answer, whatever the Accept.
    Seen bad = send(HttpMethod.POST, "/graphql", ACCEPT, "{\"query\":\"{ me @stream { id } }\"}", false);
    assertTrue(bad.contentType().startsWith("application/json"), bad.contentType());
    assertTrue(bad.body().contains("only allowed on list fields"), bad.body());
  }

  @Test
  void aClientThatLeavesCancelsThePendingCall() throws Exception {
    gated = true;
    int closedBefore = slowClosed.get();
    Seen s = send(HttpMethod.GET, "/v1/screens/home", ACCEPT, null, true);
    assertTrue(s.body().contains("\"hasNext\":true"), s.body());
    // The BFF gives up the held upstream call: its connection to the slow service closes.
    for (int i = 0; i < 250 && slowClosed.get() == closedBefore; i++) Thread.sleep(20);
    assertTrue(slowClosed.get() > closedBefore, "the pending upstream call was cancelled");
    held.clear();
  }
}
