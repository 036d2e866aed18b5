package dev.bffkit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code include:} of shared files and {@code services.defaults}: written once, every value still named by file:line. */
class IncludeAndDefaultsTest {
  private static final Function<String, String> NO_ENV = name -> null;
  private static final String SHARED = """
      services:
        defaults: { timeout: 2s, retry: { maxRetries: 1 } }
        users: { endpoints: ["http://127.0.0.1:9101"] }
        posts: { endpoints: ["http://127.0.0.1:9102", "http://127.0.0.1:9112"], timeout: 1s }
      grpc:
        maxMessageSize: 1mb
      """;

  @TempDir Path tmp;

  private Path folder(String yaml) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("ios"));
    Files.writeString(dir.resolve("bff.yaml"), yaml);
    Files.writeString(dir.resolve("schema.graphqls"), "type Query { hello: String }\n");
    return dir;
  }

  private void shared(String name, String text) throws IOException {
    Path f = tmp.resolve(name);
    Files.createDirectories(f.getParent());
    Files.writeString(f, text);
  }

  private ConfigException fails(String yaml) throws IOException {
    Path dir = folder(yaml);
    return assertThrows(ConfigException.class, () -> BundleLoader.load(dir, NO_ENV));
  }

  @Test
  void anIncludedFileGivesItsServicesAndTheFolderOverridesThem() throws IOException {
    shared("shared/services.yaml", SHARED);
    BffConfig c = BundleLoader.load(folder("""
        include: [../shared/services.yaml]
        services:
          posts: { endpoints: ["http://127.0.0.1:9122"], retry: { maxRetries: 3 } }
          shadow: { endpoints: ["http://127.0.0.1:9123"] }
        """), NO_ENV).config();
    assertEquals(Set.of("users", "posts", "shadow"), c.services().keySet(), "defaults is not a service");
    ServiceConfig users = c.services().get("users");
    assertEquals(Duration.ofSeconds(2), users.timeout(), "from services.defaults");
    assertEquals(1, users.retry().maxRetries(), "from services.defaults");
    ServiceConfig posts = c.services().get("posts");
    assertEquals(List.of(URI.create("http://127.0.0.1:9122")), posts.endpoints(), "a list replaces, never merges");
    assertEquals(Duration.ofSeconds(1), posts.timeout(), "the shared file's own key beats the defaults");
    assertEquals(3, posts.retry().maxRetries(), "the folder's key beats both");
    assertEquals(Duration.ofSeconds(2), c.services().get("shadow").timeout(), "defaults reach the folder's services too");
    assertEquals(1 << 20, c.grpc().maxMessageBytes(), "any section may be shared");
  }

  @Test
  void aLaterIncludeWinsOverAnEarlierOne() throws IOException {
    shared("a.yaml", "services: { users: { endpoints: [\"http://127.0.0.1:1\"], timeout: 3s } }\n");
    shared("b.yaml", "services: { users: { timeout: 4s } }\n");
    BffConfig c = BundleLoader.load(folder("include: [../a.yaml, ../b.yaml]\n"), NO_ENV).config();
    assertEquals(Duration.ofSeconds(4), c.services().get("users").timeout());
    assertEquals(List.of(URI.create("http://127.0.0.1:1")), c.services().get("users").endpoints());
  }

  @Test
  void aMistakeInAnIncludedFileNamesThatFileAndLine() throws IOException {
    shared("shared/services.yaml", "services:\n  users:\n    endpoints: [\"http://127.0.0.1:9101\"]\n    timeout: soon\n");
    ConfigException e = fails("include: [../shared/services.yaml]\n");
    assertEquals("ios/../shared/services.yaml:4: services.users.timeout: 'soon' is not a duration;"
        + " write e.g. 250ms, 10s, 2m, 1h or 30d (a bare number is milliseconds)", e.getMessage());
  }

  @Test
  void aMistakeInDefaultsIsNamedAsTheDefaults() throws IOException {
    ConfigException e = fails("""
        services:
          defaults: { timeot: 1s }
          users: { endpoints: ["http://127.0.0.1:9101"] }
        """);
    assertTrue(e.getMessage().startsWith("ios/bff.yaml:2: services.defaults.timeot: unknown key 'timeot'"), e.getMessage());
  }

  @Test
  void everyIncludeProblemNamesTheIncludeLineAndTheFix() throws IOException {
    assertEquals("ios/bff.yaml:2: include[0]: '../nope.yaml' is not a file (paths are relative to the client folder"
        + " ios)", fails("name: ios\ninclude: [../nope.yaml]\n").getMessage());
    assertTrue(fails("include: [\"classpath:bff/nope.yaml\"]\n").getMessage()
        .startsWith("ios/bff.yaml:1: include[0]: 'classpath:bff/nope.yaml' is not on the classpath; put the jar"));
    shared("nested.yaml", "include: [other.yaml]\n");
    assertEquals("ios/../nested.yaml:1: include: an included file cannot include others; list every file in the"
        + " include of ios/bff.yaml", fails("include: [../nested.yaml]\n").getMessage());
    shared("broken.yaml", "services: { users: [\n");
    assertTrue(fails("include: [../broken.yaml]\n").getMessage().startsWith("ios/../broken.yaml:"),
        "a YAML syntax error names the included file");
    shared("unknown.yaml", "servces: {}\n");
    assertTrue(fails("include: [../unknown.yaml]\n").getMessage()
        .startsWith("ios/../unknown.yaml:1: servces: unknown key 'servces'"));
  }

  @Test
  void aClasspathIncludeReadsFromTheJar() throws IOException {
    BffConfig c = BundleLoader.load(folder("include: [\"classpath:bff-include-test/services.yaml\"]\n"), NO_ENV).config();
    assertEquals(Duration.ofMillis(1500), c.services().get("catalog").timeout());
  }

  @Test
  void textWithoutAFolderCannotInclude() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> BffYaml.parse("x/bff.yaml", "include: [a.yaml]\n", "x", new EnvInterpolator(NO_ENV)));
    assertTrue(e.getMessage().contains("has no folder to include from"), e.getMessage());
  }

  @Test
  void aServiceOnlyInDefaultsIsNoService() throws IOException {
    BffConfig c = BundleLoader.load(folder("services: { defaults: { timeout: 1s } }\n"), NO_ENV).config();
    assertFalse(c.services().containsKey("defaults"));
    assertTrue(c.services().isEmpty());
  }
}
