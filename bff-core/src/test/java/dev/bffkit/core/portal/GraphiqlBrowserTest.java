package dev.bffkit.core.portal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.Playwright;
import dev.bffkit.core.config.BundleLoader;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GraphiQL in a real browser: Debian's headless Chromium driven by playwright-core (as {@link PortalBrowserTest}). A
 * real BFF with two services; the script enters the admin token and an API key, sets a query in GraphiQL's editor,
 * runs it and finds the BFF's answer in the result pane, opens the docs (the schema by introspection through the same
 * relay) and the settings dialog, with no request leaving the admin origin (assets from the jar), no console error and
 * no CSP violation; the screenshot stays in {@code target/graphiql.png}.
 */
class GraphiqlBrowserTest {
  private static final Path JS_WORK = Path.of("target/portal-js");
  private static final Path SCREENSHOT = Path.of("target/graphiql.png");

  @TempDir Path tmp;
  private Vertx vertx;
  private Bff.RunningBff bff;

  @AfterEach
  void stop() throws Exception {
    if (bff != null) bff.close().await(10, TimeUnit.SECONDS);
    if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void graphiqlRunsAQueryWithAnApiKeyAgainstTheRealBff() throws Exception {
    Playwright.Tools tools = Playwright.prepare(JS_WORK, "graphiql-page.mjs");

    vertx = Vertx.vertx();
    int posts = ScreenCatalogTest.posts(vertx).actualPort();
    int users = ScreenCatalogTest.users(vertx).actualPort();
    ScreenCatalogTest.bundle(tmp.resolve("bff"), posts, users, Map.of("post", ScreenCatalogTest.POST));
    // Introspection on, so that GraphiQL's docs load through the relay too.
    Files.writeString(tmp.resolve("bff/bff.yaml"), "limits: { graphql: { introspection: true } }\n", StandardOpenOption.APPEND);
    bff = Bff.start(vertx, BundleLoader.load(tmp.resolve("bff"), n -> null)).await(20, TimeUnit.SECONDS);

    Path profile = Files.createTempDirectory(tmp, "chromium-");
    Files.deleteIfExists(SCREENSHOT);
    ProcessBuilder pb = new ProcessBuilder(tools.node(), "graphiql-page.mjs").directory(JS_WORK.toFile())
        .redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("PORTAL_URL", "http://127.0.0.1:" + bff.adminPort());
    env.put("ADMIN_TOKEN", ScreenCatalogTest.ADMIN_TOKEN);
    env.put("API_KEY", ScreenCatalogTest.KEY);
    env.put("QUERY", "query Probe {\n  post(id: \"p77\") {\n    id\n    title\n    author { name }\n  }\n}\n");
    env.put("EXPECT", "title p77"); // from the posts service, through the client listener
    env.put("SCREENSHOT", SCREENSHOT.toAbsolutePath().toString());
    env.put("USER_DATA_DIR", profile.toString());
    env.put("CHROMIUM", tools.chromium());
    Process p = pb.start();
    boolean done = p.waitFor(150, TimeUnit.SECONDS);
    if (!done) p.destroyForcibly();
    String out = new String(p.getInputStream().readAllBytes());
    System.out.println("graphiql-page.mjs: " + out.trim());
    assertTrue(done, "the browser script did not finish in 150 s: " + out);
    assertEquals(0, p.exitValue(), out);
    JsonObject result = new JsonObject(out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
    assertTrue(result.getBoolean("ok"), out);
    assertTrue(result.getString("answer").contains("Ada"), "the author from the users service: " + out);
    assertTrue(Files.size(SCREENSHOT) > 10_000, "a screenshot of the page, not a blank one");
  }
}
