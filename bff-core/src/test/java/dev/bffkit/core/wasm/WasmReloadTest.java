package dev.bffkit.core.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot load: a filter's .wasm changed in the watched folder is compiled off the event loop and swapped in while
 * requests keep flowing; none is lost, the answers change from the old module's to the new one's, and a module that
 * fails to load is refused while the last good one keeps serving.
 */
class WasmReloadTest {
  @TempDir
  Path tmp;
  Vertx vertx;
  HttpServer upstream;
  Bff.RunningBff bff;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> req.response().putHeader("content-type", "application/json")
        .end("{\"ok\":true}")).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    if (bff != null) bff.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static String version(String v) {
    return WasmFilterTest.ADD_HEADERS.replace("(data (i32.const 32) \"1\")", "(data (i32.const 32) \"" + v + "\")");
  }

  @Test
  void aChangedModuleIsSwappedInUnderLoadWithoutLosingARequest() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("web"));
    Files.createDirectories(dir.resolve("filters"));
    Files.write(dir.resolve("filters/add.wasm"), Wat.compile(version("1")));
    Files.writeString(dir.resolve("bff.yaml"), """
        name: web
        server: { host: 127.0.0.1, port: 0, instances: 2 }
        services:
          posts: { endpoints: "http://127.0.0.1:%d" }
        routes:
          - { prefix: /api/posts, service: posts }
        filters:
          wasm:
            - { name: add, file: filters/add.wasm, routes: ["proxy:/api/posts"] }
        """.formatted(upstream.actualPort()));
    Files.writeString(dir.resolve("schema.graphqls"), "type Query { ping: String }\n");
    Files.createDirectories(dir.resolve("screens"));
    bff = Bff.start(vertx, BundleLoader.load(dir, n -> null), null, new Bff.Watch(dir, d -> BundleLoader.load(d, n -> null)))
        .await(20, TimeUnit.SECONDS);
    HttpClientAgent client = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(8));
    Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
    AtomicInteger failures = new AtomicInteger();
    AtomicInteger sent = new AtomicInteger();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
    Promise<Void> done = Promise.promise();
    AtomicInteger running = new AtomicInteger(8);
    for (int w = 0; w < 8; w++) loop(client, end, seen, failures, sent, running, done);
    Thread.sleep(1000);
    Files.write(dir.resolve("filters/add.wasm"), Wat.compile(version("2")));
    awaitHeader(client, "2");
    Files.write(dir.resolve("filters/add.wasm"), new byte[] {0, 'a', 's', 'm', 9, 9}); // corrupt: refused
    Thread.sleep(1500);
    done.future().await(30, TimeUnit.SECONDS);
    assertEquals(0, failures.get(), "requests lost or failed during the swaps, of " + sent.get() + ": " + seen);
    assertTrue(seen.getOrDefault("1", new AtomicInteger()).get() > 0, "old module served: " + seen);
    assertTrue(seen.getOrDefault("2", new AtomicInteger()).get() > 0, "new module served: " + seen);
    assertEquals("2", header(client), "the refused module did not replace the last good one");
  }

  private void loop(HttpClient client, long end, Map<String, AtomicInteger> seen, AtomicInteger failures,
      AtomicInteger sent, AtomicInteger running, Promise<Void> done) {
    if (System.nanoTime() > end) {
      if (running.decrementAndGet() == 0) done.complete();
      return;
    }
    sent.incrementAndGet();
    get(client).onComplete(ar -> {
      if (ar.succeeded() && ar.result() != null) seen.computeIfAbsent(ar.result(), k -> new AtomicInteger()).incrementAndGet();
      else failures.incrementAndGet();
      loop(client, end, seen, failures, sent, running, done);
    });
  }

  private Future<String> get(HttpClient client) {
    return client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(bff.port())
            .setURI("/api/posts/1"))
        .compose(r -> r.send().compose(resp -> resp.body().map(b -> resp.statusCode() == 200 ? resp.getHeader("x-wasm") : null)));
  }

  private String header(HttpClient client) throws Exception {
    return get(client).await(10, TimeUnit.SECONDS);
  }

  private void awaitHeader(HttpClient client, String want) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < until) {
      if (want.equals(header(client))) return;
      Thread.sleep(100);
    }
    throw new AssertionError("the new module never served");
  }
}
