package dev.bffkit.core.portal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.route.RouteTable;
import dev.bffkit.core.server.Routes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The documents are generated once per (route table, engine, version), and again for a new one. */
class ApiDocsCacheTest {
  @TempDir Path tmp;

  @Test
  void generatedOncePerTableAndAgainAfterAReload() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      ClientBundle b = BundleLoader.load(ApiDocsFixture.write(tmp.resolve("b"), 1, ApiDocsFixture.SCREENS,
          ApiDocsFixture.SCHEMA), n -> null);
      CompositionEngine e1 = CompositionEngine.create(b);
      AtomicReference<RouteTable> table = new AtomicReference<>(Routes.compile(b, e1));
      AtomicReference<CompositionEngine> engine = new AtomicReference<>(e1);
      AtomicReference<String> version = new AtomicReference<>("v1");
      ApiDocsPages pages = ApiDocsPages.mount(Router.router(vertx), table::get, engine::get, () -> b, version::get);

      var first = pages.docs(vertx);
      assertSame(first, pages.docs(vertx), "the same table: the same documents, not generated again");
      assertEquals("v1", new JsonObject(first.await(10, TimeUnit.SECONDS).openapi()).getJsonObject("info").getString("version"));

      CompositionEngine e2 = CompositionEngine.create(b);
      table.set(Routes.compile(b, e2, table.get()));
      engine.set(e2);
      var second = pages.docs(vertx);
      assertNotSame(first, second, "a new table (a reload): generated again");
      assertSame(second, pages.docs(vertx));

      version.set(null);
      String fallback = new JsonObject(pages.docs(vertx).await(10, TimeUnit.SECONDS).openapi()).getJsonObject("info").getString("version");
      assertEquals(ApiDocsPages.contentVersion(b), fallback, "without a reloader: the bundle's content hash");
      assertTrue(fallback.matches("[0-9a-f]{16}"), fallback);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
