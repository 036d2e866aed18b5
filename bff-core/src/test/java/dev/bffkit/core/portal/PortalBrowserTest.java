package dev.bffkit.core.portal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.Playwright;
import dev.bffkit.core.portal.keys.KeysFixture;
import dev.bffkit.core.security.TestIdp;
import io.vertx.core.http.HttpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
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
  private static final Path KEYS_SCREENSHOT = Path.of("target/portal-keys.png");

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

  /**
   * A developer signs in to the page with a token from the BFF's identity provider, makes a key, the
   * test calls the client port with it (the JDK client, as curl would: 200), the page revokes it, and
   * the same call is refused (401) within a second. Screenshot: {@code target/portal-keys.png}.
   */
  @Test
  void aDeveloperMakesAKeyInThePageUsesItAndRevokesIt() throws Exception {
    Playwright.Tools tools = Playwright.prepare(JS_WORK, "portal-keys.mjs");
    vertx = Vertx.vertx();
    HttpServer upstream = vertx.createHttpServer().requestHandler(req -> req.response().end("up"))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    TestIdp idp = new TestIdp().start(vertx);
    bff = KeysFixture.start(vertx, tmp.resolve("keys-bff"),
        KeysFixture.yaml(upstream.actualPort(), idp.issuer, "{ file: keys.json }", ""));

    Path profile = Files.createTempDirectory(tmp, "chromium-");
    Files.deleteIfExists(KEYS_SCREENSHOT);
    ProcessBuilder pb = new ProcessBuilder(tools.node(), "portal-keys.mjs").directory(JS_WORK.toFile()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("PORTAL_URL", "http://127.0.0.1:" + bff.adminPort());
    env.put("ADMIN_TOKEN", KeysFixture.ADMIN_TOKEN);
    env.put("DEV_TOKEN", idp.rs256("browser-dev"));
    env.put("SCREENSHOT", KEYS_SCREENSHOT.toAbsolutePath().toString());
    env.put("USER_DATA_DIR", profile.toString());
    env.put("CHROMIUM", tools.chromium());
    Process p = pb.start();
    StringBuilder out = new StringBuilder();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Writer toScript = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
      JsonObject made = nextJson(in, out);
      String secret = made.getString("secret");
      assertTrue(secret != null && secret.startsWith("bffk_"), out.toString());
      assertEquals(200, KeysFixture.call(bff, secret), "the key made in the page works on the client port");
      toScript.write("revoke\n");
      toScript.flush();
      JsonObject result = nextJson(in, out);
      assertTrue(result.getBoolean("ok"), out.toString());
      KeysFixture.within1s(bff, secret, s -> s == 401, "the key revoked in the page");
    } finally {
      if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
      System.out.println("portal-keys.mjs: " + out.toString().trim());
    }
    assertEquals(0, p.exitValue(), out.toString());
    assertTrue(Files.size(KEYS_SCREENSHOT) > 10_000, "a screenshot of the page, not a blank one");
  }

  /** The script's next JSON line (its other output is kept in {@code out}); fails when it ends first. */
  private static JsonObject nextJson(BufferedReader in, StringBuilder out) throws Exception {
    for (String line; (line = in.readLine()) != null; ) {
      out.append(line).append('\n');
      if (line.startsWith("{")) {
        JsonObject o = new JsonObject(line);
        if (o.containsKey("ok") && !o.getBoolean("ok")) throw new AssertionError("portal-keys.mjs: " + out);
        return o;
      }
    }
    throw new AssertionError("portal-keys.mjs ended: " + out);
  }
}
