package dev.bffkit.core.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * {@code --check} as a team runs it: the generic launcher in its own JVM ({@code Bff.run}'s path), its exit code and
 * its output, one problem per line. The services' endpoints are a closed port: nothing is called.
 */
class CheckLauncherTest {
  @TempDir Path tmp;

  private record Run(int exit, String stdout, String stderr) {
    List<String> lines() {
      return stdout.lines().toList();
    }
  }

  private Run check(Path folder) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "dev.bffkit.core.Bff", "--check", "--config", folder.toString()));
    Process p = new ProcessBuilder(cmd).start();
    boolean exited = p.waitFor(60, TimeUnit.SECONDS);
    if (!exited) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    assertTrue(exited, "--check must exit, not start serving");
    return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  private Path folder(String yaml, String schema, String... screens) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("app/screens"));
    Files.writeString(dir.getParent().resolve("bff.yaml"), yaml);
    Files.writeString(dir.getParent().resolve("schema.graphqls"), schema);
    for (int i = 0; i < screens.length; i++) Files.writeString(dir.resolve("s" + i + ".graphql"), screens[i]);
    return dir.getParent();
  }

  private static final String YAML = "services:\n  posts: { endpoints: [\"http://127.0.0.1:9\"] }\n";
  private static final String SCHEMA = """
      type Query {
        post(id: ID!): Post @rest(service: "posts", path: "/posts/{args.id}")
        feed: [Post] @rest(service: "posts", path: "/feed")
      }
      type Post { id: ID! authorId: ID text: String }
      """;

  @Test
  void aCleanFolderPrintsOkAndExitsZero() throws Exception {
    Run run = check(folder(YAML, SCHEMA, "query P($id: ID!) { post(id: $id) { id text } }\n"));
    assertEquals(0, run.exit(), run.stdout() + run.stderr());
    // Two calls (post, feed) and the two fields the screen reads (id, text).
    assertEquals(List.of("ok: 1 screens, 4 fields checked"), run.lines(), run.stderr());
    assertFalse(run.stderr().contains("event=ready"), "nothing starts: " + run.stderr());
  }

  @Test
  void everyProblemIsOneSortedLineAndTheExitCodeIsTwo() throws Exception {
    String schema = SCHEMA.replace("/posts/{args.id}", "/posts/{args.nope}").replace("path: \"/feed\"",
        "path: \"/feed\", method: \"FETCH\"");
    Run run = check(folder(YAML, schema, "query A { feed { id txt } }\n", "query B { feed { id } }\nquery C { feed { id } }\n"));
    assertEquals(2, run.exit(), run.stdout() + run.stderr());
    assertEquals(List.of(
        "app/schema.graphqls:2: Query.post: @rest: {args.nope} is not an argument of this field; arguments: id",
        "app/schema.graphqls:3: Query.feed: @rest: method 'FETCH' is not one of",
        "app/screens/s0.graphql:1: Validation error (FieldUndefined@[feed/txt]) : Field 'txt' in type 'Post' is undefined",
        "app/screens/s1.graphql:2: a screen holds exactly one operation, found 2",
        "4 problems"), run.lines().stream().map(l -> l.startsWith("app/schema.graphqls:3:") ? l.substring(0,
        l.indexOf("not one of") + "not one of".length()) : l).toList(), run.stdout());
  }

  @Test
  void aFolderThatDoesNotLoadIsOneProblemWithItsLine() throws Exception {
    Run run = check(folder("services:\n  posts:\n    endpoints: [\"htp://127.0.0.1:9\"]\n", SCHEMA));
    assertEquals(2, run.exit(), run.stdout() + run.stderr());
    List<String> lines = run.lines();
    assertEquals(2, lines.size(), run.stdout());
    assertTrue(lines.get(0).startsWith("app/bff.yaml:3: services.posts.endpoints[0]"), run.stdout());
    assertEquals("1 problem", lines.get(1));
  }
}
