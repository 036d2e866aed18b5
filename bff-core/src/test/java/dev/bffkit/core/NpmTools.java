package dev.bffkit.core;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Node tools for tests, pinned by a committed lockfile: {@code sources}' package.json, package-lock.json and scripts
 * are copied into a build directory and installed there with {@code npm ci} once; without npm or the registry the
 * calling test is skipped (never failed). Commands run with their output in a file, so a hung process cannot block
 * the read and the timeout applies.
 */
public final class NpmTools {
  private NpmTools() {}

  /** What a command printed and its exit code (-1: timed out). */
  public record Run(int exit, String output) {}

  /** Installs into {@code target} unless every one of {@code modules} is already there. */
  public static void install(Path sources, Path target, List<String> files, String... modules) throws Exception {
    Files.createDirectories(target);
    for (String f : files) Files.copy(sources.resolve(f), target.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    boolean present = true;
    for (String m : modules) present &= Files.isDirectory(target.resolve("node_modules").resolve(m));
    if (present) return;
    Run r;
    try {
      r = run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), target);
    } catch (IOException noNpm) {
      Assumptions.abort("npm is not installed: " + noNpm.getMessage());
      return;
    }
    Assumptions.assumeTrue(r.exit() == 0, () -> "npm could not install " + String.join(", ", modules) + " (no registry?): "
        + r.output());
  }

  public static Run run(List<String> cmd, Path dir) throws Exception {
    Path log = Files.createTempFile("npm-tools", ".log");
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    boolean ended = p.waitFor(300, TimeUnit.SECONDS);
    if (!ended) p.destroyForcibly();
    String out = Files.readString(log, StandardCharsets.UTF_8).strip();
    Files.deleteIfExists(log);
    return ended ? new Run(p.exitValue(), out) : new Run(-1, "timed out: " + String.join(" ", cmd) + "\n" + out);
  }
}
