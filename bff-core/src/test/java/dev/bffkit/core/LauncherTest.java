package dev.bffkit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generic launcher as an operator runs it: a real JVM process, its exit code and its stderr. */
class LauncherTest {
  @TempDir Path dir;

  private record Run(int exit, String stderr, String stdout) {}

  private Run launch(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "dev.bffkit.core.Bff"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    boolean exited = p.waitFor(30, TimeUnit.SECONDS);
    if (!exited) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    assertTrue(exited, "the launcher must exit on a configuration error");
    return new Run(p.exitValue(), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  private void write(String name, String text) throws IOException {
    Path f = dir.resolve(name);
    Files.createDirectories(f.getParent());
    Files.writeString(f, text);
  }

  @Test
  void brokenYamlExitsWithFileLineAndField() throws Exception {
    write("bff.yaml", """
        server:
          port: 8080
        services:
          posts:
            endpoints: ["htp://127.0.0.1:9102"]
        """);
    write("schema.graphqls", "type Query { ping: String }\n");
    Run run = launch("--config", dir.toString(), "--port", "0");
    assertEquals(2, run.exit(), run.stderr());
    assertTrue(run.stderr().contains("bff.yaml:5:"), run.stderr());
    assertTrue(run.stderr().contains("services.posts.endpoints[0]"), run.stderr());
    assertTrue(!run.stderr().contains("\tat "), "no stack trace for a config error: " + run.stderr());
  }

  @Test
  void exitWhenReadyStartsWarmsUpAndStopsCleanly() throws Exception {
    // A training run (e.g. under -XX:ArchiveClassesAtExit): ready, screens dry-run, clean exit 0.
    write("bff.yaml", "services:\n  posts:\n    endpoints: [\"http://127.0.0.1:9\"]\n");
    write("schema.graphqls", "type Query {\n  post(id: ID = \"p1\"): Post @rest(service: \"posts\", path: \"/posts/{args.id}\")\n}\n"
        + "type Post { id: ID text: String }\n");
    write("screens/post.graphql", "query Post { post { id text } }\n");
    Run run = launch("--config", dir.toString(), "--port", "0", "--exit-when-ready");
    String out = run.stderr() + run.stdout();
    assertEquals(0, run.exit(), out);
    assertTrue(out.contains("event=ready"), out);
    assertTrue(out.contains("event=stopped"), "stopped as on SIGTERM, draining first: " + out);
  }

  @Test
  void brokenSchemaExitsWithFileAndLine() throws Exception {
    write("bff.yaml", "services:\n  posts:\n    endpoints: [\"http://127.0.0.1:9102\"]\n");
    write("schema.graphqls", "type Query {\n  ping: String\n  feed: [Post] @rest(service: \"nope\", path: \"/x\")\n}\ntype Post { id: ID }\n");
    Run run = launch("--config", dir.toString(), "--port", "0");
    assertEquals(2, run.exit(), run.stderr());
    assertTrue(run.stderr().contains("schema.graphqls:3"), run.stderr());
  }

  @Test
  void missingFolderAndBadFlagsAreExplained() throws Exception {
    Run missing = launch("--config", dir.resolve("absent").toString());
    assertEquals(2, missing.exit());
    assertTrue(missing.stderr().contains("not a directory"), missing.stderr());
    Run badPort = launch("--config", dir.toString(), "--port", "eighty");
    assertEquals(2, badPort.exit());
    assertTrue(badPort.stderr().contains("--port takes a number"), badPort.stderr());
  }
}
