package dev.bffkit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.NpmTools;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/bff.schema.json read by a real validator, as editors read it (ajv 8 and js-yaml, pinned by src/test/schema's
 * lockfile, installed with {@code npm ci} into {@code target/bff-schema} on first use; skipped without node or the
 * registry): every shipped bff.yaml and shared fragment is valid, and each kind of mistake is refused at its path.
 */
class BffSchemaAjvTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Path SOURCES = Path.of("src/test/schema");
  private static final Path TOOLS = Path.of("target", "bff-schema").toAbsolutePath();
  @TempDir Path tmp;

  /** A broken file, and the instance path and message fragment ajv must name. */
  record Broken(String yaml, String path, String fragment) {}

  static final List<Broken> BROKEN = List.of(
      new Broken("servces: {}\n", "", "additionalProperty\":\"servces"),
      new Broken("server: { prot: 8080 }\n", "/server", "additionalProperty\":\"prot"),
      new Broken("server: { port: abc }\n", "/server/port", "must"),
      new Broken("server: { port: 70000 }\n", "/server/port", "must be <= 65535"),
      new Broken("services: { s: { endpoints: [\"http://127.0.0.1:1\"], balancer: { policy: fastest } } }\n",
          "/services/s/balancer/policy", "allowed values"),
      new Broken("composition: { deadline: soon }\n", "/composition/deadline", "must match pattern"),
      new Broken("server: { maxBodyBytes: lots }\n", "/server/maxBodyBytes", "must match pattern"),
      new Broken("traffic: { mirrors: [ { route: \"screen:x\", service: s, share: \"x%\" } ] }\n",
          "/traffic/mirrors/0/share", "must match pattern"),
      new Broken("routes: [ { prefx: /x, service: s } ]\n", "/routes/0", "additionalProperty\":\"prefx"),
      new Broken("services: { s: { retry: { maxRetries: 11 } } }\n", "/services/s/retry/maxRetries", "must be <= 10"),
      new Broken("observe: { tracing: { exporter: zipkin } }\n", "/observe/tracing/exporter", "allowed values"));

  @Test
  void shippedFilesAreValidAndMistakesAreRefusedAtTheirPath() throws Exception {
    installTools();
    List<Path> shipped = new ArrayList<>();
    for (String c : List.of("ios", "android", "web", "tv")) shipped.add(ROOT.resolve("bff-" + c + "/src/main/resources/bff/" + c + "/bff.yaml"));
    shipped.add(ROOT.resolve("shared-schemas/src/main/resources/bff/services.yaml"));
    shipped.add(ROOT.resolve("examples/quickstart/bff.yaml"));
    shipped.add(Path.of("src/test/resources/bff-include-test/services.yaml").toAbsolutePath());
    Files.writeString(tmp.resolve("env.yaml"), "server: { port: \"${BFF_PORT:-8081}\", maxBodyBytes: 64kb }\n"
        + "composition: { deadline: 1500 }\nservices: { s: { endpoints: \"http://127.0.0.1:1\", retry: { budget: 20% } } }\n");
    shipped.add(tmp.resolve("env.yaml"));
    List<JsonObject> ok = validate(shipped);
    assertEquals(shipped.size(), ok.size());
    for (JsonObject r : ok) assertTrue(r.getBoolean("valid"), () -> "refused: " + r.encodePrettily());

    List<Path> broken = new ArrayList<>();
    for (int i = 0; i < BROKEN.size(); i++) {
      Path f = tmp.resolve("broken-" + i + ".yaml");
      Files.writeString(f, BROKEN.get(i).yaml());
      broken.add(f);
    }
    List<JsonObject> refused = validate(broken);
    for (int i = 0; i < BROKEN.size(); i++) {
      Broken b = BROKEN.get(i);
      JsonObject r = refused.get(i);
      assertEquals(false, r.getBoolean("valid"), b.yaml());
      JsonArray errors = r.getJsonArray("errors");
      boolean named = errors.stream().map(JsonObject.class::cast)
          .anyMatch(e -> e.getString("path").equals(b.path()) && e.encode().contains(b.fragment()));
      assertTrue(named, () -> b.yaml() + " expected " + b.path() + " ~ " + b.fragment() + " in " + errors.encodePrettily());
    }
  }

  private static List<JsonObject> validate(List<Path> files) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("node", TOOLS.resolve("validate.mjs").toString(),
        ROOT.resolve("docs/bff.schema.json").toString()));
    files.forEach(f -> cmd.add(f.toString()));
    NpmTools.Run r = NpmTools.run(cmd, TOOLS);
    assertEquals(0, r.exit(), r.output());
    List<JsonObject> results = new ArrayList<>();
    for (String line : r.output().split("\n")) if (line.startsWith("{")) results.add(new JsonObject(line));
    return results;
  }

  private static void installTools() throws Exception {
    NpmTools.install(SOURCES, TOOLS, List.of("package.json", "package-lock.json", "validate.mjs"), "ajv", "js-yaml");
  }
}
