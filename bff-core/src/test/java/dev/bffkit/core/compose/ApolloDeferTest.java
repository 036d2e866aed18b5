package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.NpmTools;
import dev.bffkit.core.config.BundleLoader;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apollo Client 3.13 (src/test/apollo, pinned by its lockfile, installed with {@code npm ci} into target/apollo) runs
 * a {@code @defer} query against a real BFF: it gets a first result without the deferred field, and only then (the
 * script releases the slow service after its first result) the merged one. Skipped without node or the registry.
 */
class ApolloDeferTest {
  private static final Path SOURCES = Path.of("src/test/apollo");
  private static final Path TOOLS = Path.of("target", "apollo").toAbsolutePath();
  @TempDir Path tmp;
  Vertx vertx;
  HttpServer fast;
  HttpServer slow;
  Bff.RunningBff bff;
  final ConcurrentLinkedQueue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    fast = vertx.createHttpServer().requestHandler(req -> req.response().putHeader("content-type", "application/json")
        .end("{\"id\":\"u1\",\"name\":\"Ada\"}")).listen(0, "127.0.0.1").await();
    slow = vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/release")) {
        HttpServerRequest r;
        while ((r = held.poll()) != null) {
          r.response().putHeader("content-type", "application/json").end("{\"rows\":[{\"title\":\"Top\"}]}");
        }
        req.response().end("released");
      } else {
        held.add(req);
      }
    }).listen(0, "127.0.0.1").await();
    Path folder = tmp.resolve("b");
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("bff.yaml"), """
        name: apollo
        server: { host: 127.0.0.1, port: 0, instances: 1 }
        composition: { deadline: 10s, adhocGraphql: true }
        services:
          fast: { endpoints: ["http://127.0.0.1:%d"] }
          slow: { endpoints: ["http://127.0.0.1:%d"], timeout: 10s }
        """.formatted(fast.actualPort(), slow.actualPort()));
    Files.writeString(folder.resolve("schema.graphqls"), DeferBffTest.SCHEMA);
    bff = Bff.start(vertx, BundleLoader.load(folder, Map.<String, String>of()::get)).await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void apolloClientSeesTheInitialResultThenTheMergedOne() throws Exception {
    NpmTools.install(SOURCES, TOOLS, List.of("package.json", "package-lock.json", "defer.mjs"), "@apollo/client", "graphql");
    NpmTools.Run r = NpmTools.run(List.of("node", "defer.mjs", "http://127.0.0.1:" + bff.port() + "/graphql",
        "http://127.0.0.1:" + slow.actualPort() + "/release"), TOOLS);
    assertEquals(0, r.exit(), r.output());
    String out = r.output().strip();
    JsonArray results = new JsonArray(out.substring(out.lastIndexOf('\n') + 1));
    assertTrue(results.size() >= 2, out);
    JsonObject first = results.getJsonObject(0);
    assertEquals("Ada", first.getJsonObject("me").getString("name"), out);
    assertFalse(first.containsKey("rows"), "the first result has no deferred field: " + out);
    JsonObject last = results.getJsonObject(results.size() - 1);
    assertEquals("Ada", last.getJsonObject("me").getString("name"), out);
    assertEquals("Top", last.getJsonArray("rows").getJsonObject(0).getString("title"), out);
  }
}
