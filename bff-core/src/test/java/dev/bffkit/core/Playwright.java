package dev.bffkit.core;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonObject;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Browser tests' setup: playwright-core from npm (never a downloaded browser; the tests drive Debian's chromium)
 * installed once into a work folder under target/ from the committed lockfile in {@code src/test/js}, and reused
 * while the installed version is {@link #VERSION}.
 */
public final class Playwright {
  public static final String VERSION = "1.65.1";
  private static final Path SOURCES = Path.of("src/test/js");

  private Playwright() {}

  /** The browser and node a browser test drives; see {@link #prepare}. */
  public record Tools(String chromium, String node) {}

  /**
   * Debian's chromium ({@code CHROMIUM} or /usr/bin/chromium) and node on the PATH, with playwright-core installed into
   * {@code work} for {@code script}; the test is skipped (assumption) when the machine has no browser or node.
   */
  public static Tools prepare(Path work, String script) throws Exception {
    String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
    assumeTrue(new File(chromium).canExecute(), "skipped: no Chromium at " + chromium + " (apt-get install chromium)");
    String node = onPath("node");
    String npm = onPath("npm");
    assumeTrue(node != null && npm != null, "skipped: node and npm are not installed (apt-get install nodejs npm)");
    install(npm, work, script);
    return new Tools(chromium, node);
  }

  /** Copies package.json, the lockfile and {@code script} into {@code work} and runs {@code npm ci} there when needed. */
  static void install(String npm, Path work, String script) throws Exception {
    Files.createDirectories(work);
    for (String f : List.of("package.json", "package-lock.json", script)) {
      Files.copy(SOURCES.resolve(f), work.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    Path installed = work.resolve("node_modules/playwright-core/package.json");
    if (Files.exists(installed) && new JsonObject(Files.readString(installed)).getString("version").equals(VERSION)) {
      return;
    }
    ProcessBuilder pb = new ProcessBuilder(npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
        .directory(work.toFile()).redirectErrorStream(true);
    pb.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    Process p = pb.start();
    boolean done = p.waitFor(300, TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes());
    if (!done) p.destroyForcibly();
    assertTrue(done && p.exitValue() == 0, "npm ci of playwright-core failed: " + out);
  }

  /** The executable {@code name} on the PATH, or null. */
  static String onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File f = new File(dir, name);
      if (f.canExecute()) return f.getAbsolutePath();
    }
    return null;
  }
}
