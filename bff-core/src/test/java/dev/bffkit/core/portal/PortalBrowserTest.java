package dev.bffkit.core.portal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.Playwright;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The portal in a real browser: Debian's headless Chromium driven by playwright-core (pinned in
 * src/test/js/package-lock.json, as for the status page; never a downloaded browser). A real BFF
 * with two services; the script asks for the admin token, finds every screen, runs {@code post}
 * with an API key through "Try it" and leaves a screenshot in {@code target/portal.png}.
 */
class PortalBrowserTest {
  private static final Path JS_WORK = Path.of("target/portal-js");
  private static final Path SCREENSHOT = Path.of("target/portal.png");

  @TempDir Path tmp;
  private Vertx vertx;
  private Bff.RunningBff bff;

  @AfterEach
  void stop() throws Exception {
    if (bff != null) bff.close().await(10, TimeUnit.SECONDS);
    if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void thePortalListsTheScreensAndRunsOneWithAnApiKey() throws Exception {
    Playwright.Tools tools = Playwright.prepare(JS_WORK, "portal-page.mjs");

    vertx = Vertx.vertx();
    int posts = ScreenCatalogTest.posts(vertx).actualPort();
    int users = ScreenCatalogTest.users(vertx).actualPort();
    bff = Bff.start(vertx, ScreenCatalogTest.bundle(tmp.resolve("bff"), posts, users,
        Map.of("post", ScreenCatalogTest.POST, "feed", ScreenCatalogTest.FEED))).await(20, TimeUnit.SECONDS);

    Path profile = Files.createTempDirectory(tmp, "chromium-");
    Files.deleteIfExists(SCREENSHOT);
    ProcessBuilder pb = new ProcessBuilder(tools.node(), "portal-page.mjs").directory(JS_WORK.toFile()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("PORTAL_URL", "http://127.0.0.1:" + bff.adminPort());
    env.put("ADMIN_TOKEN", ScreenCatalogTest.ADMIN_TOKEN);
    env.put("EXPECT_SCREENS", "feed,post");
    env.put("TRY_SCREEN", "post");
    env.put("TRY_VARS", "{\"id\":\"p42\"}");
    env.put("TRY_KEY", ScreenCatalogTest.KEY);
    env.put("TRY_EXPECT", "title p42");
    env.put("SCREENSHOT", SCREENSHOT.toAbsolutePath().toString());
    env.put("USER_DATA_DIR", profile.toString());
    env.put("CHROMIUM", tools.chromium());
    Process p = pb.start();
    boolean done = p.waitFor(150, TimeUnit.SECONDS);
    if (!done) p.destroyForcibly();
    String out = new String(p.getInputStream().readAllBytes());
    System.out.println("portal-page.mjs: " + out.trim());
    assertTrue(done, "the browser script did not finish in 150 s: " + out);
    assertEquals(0, p.exitValue(), out);
    JsonObject result = new JsonObject(out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
    assertTrue(result.getBoolean("ok"), out);
    assertEquals(2, result.getInteger("sections"), out);
    assertTrue(Files.size(SCREENSHOT) > 10_000, "a screenshot of the page, not a blank one");
  }
}
