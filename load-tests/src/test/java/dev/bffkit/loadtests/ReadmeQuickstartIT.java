package dev.bffkit.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Five-minute start", run as written: its bash blocks, command by command, in a folder laid out like a
 * clone (the built jars and {@code examples/} linked in), so a newcomer's first steps cannot rot. An integration test
 * (failsafe, after {@code package}) because it runs the packaged jars. It uses the README's fixed ports (the demo
 * services' 9101-9106 and the quickstart's 8090/9090); nothing else may hold them while it runs.
 */
class ReadmeQuickstartIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final String SECTION = "## Five-minute start";
  private final List<Process> started = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  @TempDir
  Path clone;

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
    }
  }

  @Test
  void theFiveMinuteStartWorksAsWritten() throws Exception {
    for (String jar : List.of("bff-core/target/bff.jar", "load-tests/target/bff-demo.jar")) {
      Path target = ROOT.resolve(jar);
      assertTrue(Files.isRegularFile(target), jar + " is built before integration tests (mvn verify packages first)");
      Files.createDirectories(clone.resolve(jar).getParent());
      Files.createSymbolicLink(clone.resolve(jar), target);
    }
    Files.createSymbolicLink(clone.resolve("examples"), ROOT.resolve("examples"));

    List<List<String>> blocks = bashBlocks(Files.readString(ROOT.resolve("README.md")));
    assertEquals(3, blocks.size(), "the five-minute start has three terminals: " + blocks);

    // Terminals 1 and 2 end with a server that keeps running: start it, wait until it answers.
    background(blocks.get(0));
    awaitOk("http://127.0.0.1:9101/users/u1");
    background(blocks.get(1));
    awaitOk("http://127.0.0.1:9090/readyz");

    List<String> t3 = blocks.get(2);
    assertEquals(4, t3.size(), "terminal 3: profile, new screen, feed, --check: " + t3);
    Result profile = runUntil(t3.get(0), r -> r.out.contains("\"name\": \"Ava Ricci\""));
    assertTrue(profile.out.contains("\"likes\""), profile.out);
    assertEquals(0, run(t3.get(1)).exit, "writing the new screen");
    // The folder is watched: the new screen is served within about a second of being written.
    Result feed = runUntil(t3.get(2), r -> r.out.contains("\"posts\""));
    assertEquals(2, feed.out.split("\"likes\"", -1).length - 1, "first=2 gives two posts: " + feed.out);
    Result check = run(t3.get(3));
    assertEquals(0, check.exit, "--check passes the quickstart: " + check.out);
    assertTrue(check.out.startsWith("ok"), check.out);
  }

  /** The section's fenced bash blocks, each as its commands (comments dropped; a here-document is one command). */
  static List<List<String>> bashBlocks(String readme) {
    int start = readme.indexOf(SECTION);
    assertTrue(start >= 0, "README has a section '" + SECTION + "'");
    int end = readme.indexOf("\n## ", start + SECTION.length());
    String[] lines = readme.substring(start, end < 0 ? readme.length() : end).split("\n", -1);
    List<List<String>> blocks = new ArrayList<>();
    List<String> block = null;
    StringBuilder command = new StringBuilder();
    String heredocEnd = null;
    for (String line : lines) {
      if (block == null) {
        if (line.equals("```bash")) block = new ArrayList<>();
        continue;
      }
      if (heredocEnd != null) {
        command.append('\n').append(line);
        if (line.equals(heredocEnd)) {
          block.add(command.toString());
          command.setLength(0);
          heredocEnd = null;
        }
        continue;
      }
      if (line.equals("```")) {
        blocks.add(block);
        block = null;
        continue;
      }
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) continue;
      command.append(command.length() > 0 ? "\n" : "").append(line);
      int here = line.indexOf("<<'");
      if (here >= 0) {
        heredocEnd = line.substring(here + 3, line.indexOf('\'', here + 3));
        continue;
      }
      if (t.endsWith("\\")) continue;
      block.add(command.toString());
      command.setLength(0);
    }
    return blocks;
  }

  private record Result(int exit, String out) {}

  private void background(List<String> block) throws Exception {
    for (int i = 0; i < block.size() - 1; i++) assertEquals(0, run(block.get(i)).exit, block.get(i));
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", "exec " + block.get(block.size() - 1)).directory(clone.toFile())
        .redirectErrorStream(true).redirectOutput(clone.resolve("terminal-" + started.size() + ".log").toFile());
    started.add(pb.start());
  }

  private Result run(String command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("bash", "-o", "pipefail", "-c", command).directory(clone.toFile())
        .redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "finished: " + command);
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  private Result runUntil(String command, Predicate<Result> ok) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Result r;
    do {
      r = run(command);
      if (r.exit == 0 && ok.test(r)) return r;
      Thread.sleep(200);
    } while (System.nanoTime() < until);
    throw new AssertionError("'" + command + "' did not answer as the README shows: exit " + r.exit + "\n" + r.out
        + "\n" + logs());
  }

  private void awaitOk(String url) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < until) {
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) return;
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError(url + " never answered 200\n" + logs());
  }

  private String logs() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < started.size(); i++) {
      Path log = clone.resolve("terminal-" + i + ".log");
      if (Files.exists(log)) sb.append("--- terminal ").append(i + 1).append('\n').append(Files.readString(log));
    }
    return sb.toString();
  }
}
