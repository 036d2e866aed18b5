package dev.bffkit.core.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --export} and {@code --check --against} as a team runs them: the generic launcher in its own JVM, its exit
 * code, what it printed and what it wrote; nothing listens (the commands exit before the server starts).
 */
class ExportLauncherTest {
  @TempDir Path dir;

  private record Run(int exit, String output) {}

  private Run launch(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "dev.bffkit.core.Bff"));
    cmd.addAll(List.of(args));
    Path log = Files.createTempFile(dir, "launch", ".log"); // a file: a hung process cannot block the read
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    boolean exited = p.waitFor(60, TimeUnit.SECONDS);
    if (!exited) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertTrue(exited, "the command must exit: " + out);
    return new Run(p.exitValue(), out);
  }

  private Path module(String name, String schema, String screen) throws IOException {
    Path m = dir.resolve(name);
    Files.createDirectories(m.resolve("screens"));
    Files.writeString(m.resolve("bff.yaml"), "services:\n  posts:\n    endpoints: [\"http://127.0.0.1:9\"]\n");
    Files.writeString(m.resolve("schema.graphqls"), schema);
    Files.writeString(m.resolve("screens/post.graphql"), screen);
    return m;
  }

  private static final String SCHEMA = """
      type Query {
        post(id: ID = "p1"): Post @rest(service: "posts", path: "/posts/{args.id}")
      }
      type Post { id: ID! text: String likes: Int }
      """;

  @Test
  void exportWritesTheContractAndExits() throws Exception {
    Path m = module("v1", SCHEMA, "query Post { post { id text } }\n");
    Path out = dir.resolve("out");
    Run run = launch("--config", m.toString(), "--export", out.toString());
    assertEquals(0, run.exit(), run.output());
    assertTrue(run.output().contains("exported to " + out + ": schema.graphql, 1 operations"), run.output());
    assertFalse(run.output().contains("event=ready"), "nothing starts: " + run.output());
    String sdl = Files.readString(out.resolve("schema.graphql"));
    assertTrue(sdl.contains("type Post") && !sdl.contains("@rest"), sdl);
    assertEquals("query Post { post { id text } }\n", Files.readString(out.resolve("operations/post.graphql")));
    assertEquals("Post", new JsonObject(Files.readString(out.resolve(Export.MANIFEST)))
        .getJsonArray("operations").getJsonObject(0).getString("name"));
  }

  @Test
  void exportOfABrokenModuleExitsTwoWithFileAndLine() throws Exception {
    Path m = module("broken", SCHEMA, "query Post {\n  post { id title }\n}\n");
    Path out = dir.resolve("out");
    Run run = launch("--config", m.toString(), "--export", out.toString());
    assertEquals(2, run.exit(), run.output());
    assertTrue(run.output().contains("screens/post.graphql:2"), run.output());
    assertFalse(Files.exists(out.resolve(Export.MANIFEST)), "nothing half-written");
  }

  @Test
  void againstNeedsCheckAndCheckAgainstFailsOnABreakingChange() throws Exception {
    Path v1 = module("v1", SCHEMA, "query Post { post { id text likes } }\n");
    Run alone = launch("--config", v1.toString(), "--against", v1.toString());
    assertEquals(2, alone.exit(), alone.output());
    assertTrue(alone.output().contains("--against goes with --check"), alone.output());

    Path same = module("v2", SCHEMA.replace("likes: Int", "likes: Int views: Int"), "query Post { post { id text likes } }\n");
    Run safe = launch("--check", "--config", same.toString(), "--against", v1.toString());
    assertEquals(0, safe.exit(), safe.output());

    Path v3 = module("v3", SCHEMA.replace(" likes: Int", ""), "query Post { post { id text } }\n");
    Run broken = launch("--check", "--config", v3.toString(), "--against", v1.toString());
    assertEquals(2, broken.exit(), broken.output());
    assertTrue(broken.output().contains("'post.likes' is no longer in the post answer"), broken.output());
    assertTrue(broken.output().contains("Post.likes"), broken.output());
  }
}
