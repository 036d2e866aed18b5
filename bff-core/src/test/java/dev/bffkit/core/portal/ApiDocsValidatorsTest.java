package dev.bffkit.core.portal;

import static dev.bffkit.core.portal.ApiDocsFixture.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documents pass real validators from npm: @apidevtools/swagger-parser (OpenAPI 3.1), graphql-js (the SDL) and
 * ajv (a real screen answer against its generated JSON Schema, and a wrong one refused). The tools are installed with
 * npm into {@code target/openapi-tools} on first use; without node or the npm registry this test is skipped, and
 * {@link ApiDocsPagesTest} (structural checks in Java) still runs.
 */
class ApiDocsValidatorsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Path TOOLS = Path.of("target", "openapi-tools").toAbsolutePath();
  private static final List<String> PACKAGES = List.of("@apidevtools/swagger-parser@12", "ajv@8", "ajv-formats@3", "graphql@16");
  @TempDir Path tmp;
  private Vertx vertx;
  private HttpServer upstream;
  private Bff.RunningBff bff;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = ApiDocsFixture.upstream(vertx);
    bff = Bff.start(vertx, BundleLoader.load(ApiDocsFixture.write(tmp.resolve("b"), upstream.actualPort(),
        ApiDocsFixture.SCREENS, ApiDocsFixture.SCHEMA), n -> null)).await(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    if (bff != null) bff.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void theDocumentsPassSwaggerParserGraphqlJsAndAjv() throws Exception {
    installTools();
    String openapi = get(http, bff.adminPort(), "/openapi.json", false).body();
    String sdl = get(http, bff.adminPort(), "/schema.graphql", false).body();
    JsonNode home = MAPPER.readTree(get(http, bff.port(), "/v1/screens/home?id=p2&first=2&tags=x", true).body());
    JsonNode partial = MAPPER.readTree(get(http, bff.port(), "/v1/screens/partial", true).body());
    ObjectNode wrong = home.deepCopy();
    ((ObjectNode) wrong.at("/data/top")).put("score", "high");
    ObjectNode answers = MAPPER.createObjectNode();
    answers.putObject("good").<ObjectNode>set("Screen_home", home).set("Screen_partial", partial);
    answers.putObject("bad").set("Screen_home", wrong);

    Path docFile = Files.writeString(tmp.resolve("openapi.json"), openapi);
    Path sdlFile = Files.writeString(tmp.resolve("schema.graphql"), sdl);
    Path answersFile = Files.writeString(tmp.resolve("answers.json"), answers.toString());
    Run r = run(List.of("node", TOOLS.resolve("validate-api-docs.cjs").toString(), docFile.toString(), sdlFile.toString(),
        answersFile.toString()), 120);
    assertEquals(0, r.exit(), "validators: " + r.output());
    assertTrue(r.output().startsWith("OK openapi=3.1.0"), r.output());

    // The validator is not lenient: the same document with a parameter "in: body" (OpenAPI 2 only) is refused.
    ObjectNode broken = (ObjectNode) MAPPER.readTree(openapi);
    ((ObjectNode) broken.at("/paths/~1v1~1screens~1{name}/get/parameters/0")).put("in", "body");
    Files.writeString(docFile, broken.toString());
    Run refused = run(List.of("node", TOOLS.resolve("validate-api-docs.cjs").toString(), docFile.toString(),
        sdlFile.toString(), answersFile.toString()), 120);
    assertTrue(refused.exit() != 0 && refused.output().contains("schema validation failed"), "refused: " + refused.output());
  }

  /** npm's tools in target/openapi-tools, installed once per build directory. */
  private static void installTools() throws Exception {
    Files.createDirectories(TOOLS);
    try (InputStream script = ApiDocsValidatorsTest.class.getResourceAsStream("/portal/validate-api-docs.cjs")) {
      Files.copy(script, TOOLS.resolve("validate-api-docs.cjs"), StandardCopyOption.REPLACE_EXISTING);
    }
    boolean present = Files.isDirectory(TOOLS.resolve("node_modules/@apidevtools/swagger-parser"))
        && Files.isDirectory(TOOLS.resolve("node_modules/ajv-formats"))
        && Files.isDirectory(TOOLS.resolve("node_modules/graphql"));
    if (present) return;
    List<String> cmd = new ArrayList<>(List.of("npm", "install", "--prefix", TOOLS.toString(), "--no-audit", "--no-fund",
        "--no-save"));
    cmd.addAll(PACKAGES);
    Run r;
    try {
      r = run(cmd, 300);
    } catch (IOException noNpm) {
      Assumptions.abort("npm is not installed: " + noNpm.getMessage());
      return;
    }
    Assumptions.assumeTrue(r.exit() == 0, () -> "npm could not install the validators (no registry?): " + r.output());
  }

  private record Run(int exit, String output) {}

  private static Run run(List<String> cmd, int timeoutSeconds) throws Exception {
    // Output to a file, so that a hung process cannot block the read and the timeout applies.
    Path log = Files.createTempFile(TOOLS, "run", ".log");
    Process p = new ProcessBuilder(cmd).directory(TOOLS.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    boolean ended = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
    if (!ended) p.destroyForcibly();
    String out = Files.readString(log, StandardCharsets.UTF_8).strip();
    Files.deleteIfExists(log);
    return ended ? new Run(p.exitValue(), out) : new Run(-1, "timed out: " + String.join(" ", cmd) + "\n" + out);
  }
}
