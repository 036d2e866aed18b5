package dev.bffkit.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.ProxyRouteConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Plain proxy routes against a real upstream server on loopback. */
class ProxyEndpointTest {
  private static final int CHUNK = 64 * 1024;

  private Vertx vertx;
  private HttpServer upstream;
  private Bff.RunningBff bff;
  private HttpClient client;
  private OnLoop loop;
  private final Promise<Void> upstreamSawFirstChunk = Promise.promise();
  private final Promise<Void> clientSawFirstChunk = Promise.promise();
  private final AtomicLong upstreamBytes = new AtomicLong();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> {
      switch (req.path()) {
        case "/posts/echo-size" -> {
          req.handler(chunk -> {
            upstreamBytes.addAndGet(chunk.length());
            upstreamSawFirstChunk.tryComplete();
          });
          req.endHandler(v -> req.response().end(new JsonObject().put("bytes", upstreamBytes.get()).encode()));
        }
        case "/posts/stream-out" -> {
          // Writes one chunk, then the rest only once the client has seen the first: a proxy
          // that buffered the whole response would never deliver it.
          req.response().setChunked(true).write(Buffer.buffer(new byte[CHUNK]));
          clientSawFirstChunk.future().onComplete(v -> {
            for (int i = 0; i < 31; i++) req.response().write(Buffer.buffer(new byte[CHUNK]));
            req.response().end();
          });
        }
        case "/posts/hang" -> { /* never answers */ }
        default -> {
          JsonObject seen = new JsonObject().put("uri", req.uri()).put("method", req.method().name());
          req.headers().forEach(h -> seen.put("h-" + h.getKey().toLowerCase(), h.getValue()));
          req.body().onSuccess(b -> req.response().putHeader("x-upstream", "yes")
              .putHeader("connection", "keep-alive, x-secret-hop").putHeader("x-secret-hop", "no")
              .end(seen.put("body", b.toString()).encode()));
        }
      }
    }).listen(0, "127.0.0.1").await();
    var routes = List.of(
        new ProxyRouteConfig("/api/posts", "posts", "/api", Set.of()).withMaxBodyBytes(8 << 20), // uploads: streamed, never buffered
        new ProxyRouteConfig("/ro", "posts", "", Set.of("GET")),
        new ProxyRouteConfig("/dead", "dead", "/dead", Set.of()));
    var services = Map.of("posts", TestBundles.service("posts", upstream.actualPort()),
        "dead", TestBundles.service("dead", 1));
    var bundle = TestBundles.bundle(TestBundles.server(Duration.ofSeconds(5)), Duration.ofMillis(1500),
        services, routes, "type Query { ping: String }", Map.of());
    bff = Bff.start(vertx, bundle).await();
    client = vertx.createHttpClient();
    loop = new OnLoop(vertx.getOrCreateContext());
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private RequestOptions to(HttpMethod method, String uri) {
    return new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(bff.port()).setURI(uri);
  }

  /** A whole response; the body is read in the same chain, before it can slip past unread. */
  private record Answer(HttpClientResponse resp, Buffer body) {
    String header(String name) { return resp.getHeader(name); }
  }

  private Answer send(RequestOptions options, String body) throws Exception {
    return loop.run(() -> client.request(options)
            .compose(r -> body == null ? r.send() : r.send(body))
            .compose(resp -> resp.body().map(b -> new Answer(resp, b))))
        .await(5, TimeUnit.SECONDS);
  }

  private JsonObject json(HttpMethod method, String uri, String body, int expectStatus) throws Exception {
    Answer a = send(to(method, uri).putHeader("x-request-id", "req-42"), body);
    assertEquals(expectStatus, a.resp().statusCode(), a.body().toString());
    return new JsonObject(a.body());
  }

  @Test
  void forwardsWithPrefixStrippedQueryKeptAndHopByHopHeadersDropped() throws Exception {
    Answer resp = send(to(HttpMethod.POST, "/api/posts/7?x=1&y=%2F")
            .putHeader("x-request-id", "req-42").putHeader("te", "trailers").putHeader("x-custom", "v"), "hello");
    JsonObject seen = new JsonObject(resp.body());
    assertEquals(200, resp.resp().statusCode());
    assertEquals("/posts/7?x=1&y=%2F", seen.getString("uri"));
    assertEquals("POST", seen.getString("method"));
    assertEquals("hello", seen.getString("body"));
    assertEquals("v", seen.getString("h-x-custom"));
    assertEquals("req-42", seen.getString("h-x-request-id"));
    assertEquals("127.0.0.1", seen.getString("h-x-forwarded-for"));
    assertNull(seen.getString("h-te"), "hop-by-hop header must not be forwarded");
    assertEquals("yes", resp.header("x-upstream"));
    assertNull(resp.header("x-secret-hop"), "headers named in Connection are hop-by-hop");
    assertEquals("req-42", resp.header("x-request-id"));
  }

  @Test
  void streamsRequestBodyWithoutBufferingItWhole() throws Exception {
    int chunks = 64; // 4 MiB: far over what the BFF buffers (64 KiB), within the route's 8 MiB limit
    Future<HttpClientResponse> answer = loop.run(() -> client.request(to(HttpMethod.PUT, "/api/posts/echo-size")).compose(req -> {
      req.setChunked(true);
      req.write(Buffer.buffer(new byte[CHUNK]));
      // The rest is sent only once the upstream has seen the first chunk.
      upstreamSawFirstChunk.future().onSuccess(v -> {
        for (int i = 1; i < chunks; i++) req.write(Buffer.buffer(new byte[CHUNK]));
        req.end();
      });
      return req.response();
    }));
    Answer resp = answer.compose(r -> r.body().map(b -> new Answer(r, b))).await(10, TimeUnit.SECONDS);
    assertEquals(200, resp.resp().statusCode());
    assertEquals((long) chunks * CHUNK, new JsonObject(resp.body()).getLong("bytes"));
  }

  @Test
  void streamsResponseBodyWithoutBufferingItWhole() throws Exception {
    AtomicLong received = new AtomicLong();
    Promise<Void> done = Promise.promise();
    loop.run(() -> client.request(to(HttpMethod.GET, "/api/posts/stream-out")).compose(r -> r.send())).onSuccess(resp -> {
      resp.handler(chunk -> {
        received.addAndGet(chunk.length());
        clientSawFirstChunk.tryComplete();
      });
      resp.endHandler(v -> done.complete());
    });
    done.future().await(10, TimeUnit.SECONDS);
    assertEquals(32L * CHUNK, received.get());
  }

  @Test
  void refusesDotSegmentsAndEncodedSlashes() throws Exception {
    for (String path : List.of("/api/posts/../admin", "/api/posts/%2e%2e/admin", "/api/posts/a%2Fb", "/api/posts/./x")) {
      JsonObject err = json(HttpMethod.GET, path, null, 400);
      assertEquals("bad_path", err.getJsonObject("error").getString("code"), path);
    }
  }

  @Test
  void prefixMatchesOnlyAtSegmentBoundary() throws Exception {
    JsonObject err = json(HttpMethod.GET, "/api/postsX", null, 404);
    assertEquals("not_found", err.getJsonObject("error").getString("code"));
    assertEquals("/posts", json(HttpMethod.GET, "/api/posts", null, 200).getString("uri"));
  }

  @Test
  void methodNotAllowedNamesTheAllowedOnes() throws Exception {
    Answer resp = send(to(HttpMethod.DELETE, "/ro/x"), null);
    assertEquals(405, resp.resp().statusCode());
    assertEquals("GET", resp.header("allow"));
  }

  @Test
  void unreachableUpstreamIs502AndHangingUpstreamIs504() throws Exception {
    JsonObject down = json(HttpMethod.GET, "/dead/x", null, 502);
    assertEquals("upstream_error", down.getJsonObject("error").getString("code"));
    assertEquals("req-42", down.getJsonObject("error").getString("requestId"));
    JsonObject hung = json(HttpMethod.GET, "/api/posts/hang", null, 504);
    assertEquals("upstream_timeout", hung.getJsonObject("error").getString("code"));
    // and the gateway still serves the next request
    assertEquals("/posts/ok", json(HttpMethod.GET, "/api/posts/ok", null, 200).getString("uri"));
  }

  @Test
  void oversizedDeclaredBodyIs413() throws Exception {
    // A declared length over the limit is refused before any byte is read.
    Answer resp = send(to(HttpMethod.POST, "/api/posts/x").putHeader("content-length", "999999999"), null);
    assertEquals(413, resp.resp().statusCode());
    assertEquals("body_too_large", new JsonObject(resp.body()).getJsonObject("error").getString("code"));
  }
}
