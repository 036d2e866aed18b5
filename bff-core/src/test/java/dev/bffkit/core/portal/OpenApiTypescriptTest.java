package dev.bffkit.core.portal;

import static dev.bffkit.core.portal.ApiDocsFixture.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bffkit.core.Bff;
import dev.bffkit.core.NpmTools;
import dev.bffkit.core.NpmTools.Run;
import dev.bffkit.core.config.BundleLoader;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Types generated from a running BFF's {@code /openapi.json} by openapi-typescript compile with {@code tsc --strict} and
 * match a real screen answer: the answer of {@code GET /v1/screens/home}, fetched from the same BFF, is assigned to the
 * generated type of operation {@code screen_home}'s 200 answer; and the check can fail: the same answer with a field of
 * the wrong type is refused by tsc. The tools (openapi-typescript 7, TypeScript 5, pinned in src/test/ts's lockfile) are
 * installed with {@code npm ci} into {@code target/openapi-ts} on first use; without node or the npm registry this test
 * is skipped.
 */
class OpenApiTypescriptTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Path SOURCES = Path.of("src/test/ts");
  private static final Path TOOLS = Path.of("target", "openapi-ts").toAbsolutePath();
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
  void generatedTypesCompileAndMatchARealScreenAnswer() throws Exception {
    installTools();
    Path work = Files.createDirectories(TOOLS.resolve("work"));
    Files.writeString(work.resolve("openapi.json"), get(http, bff.adminPort(), "/openapi.json", false).body());
    Run gen = run(List.of("node", TOOLS.resolve("node_modules/openapi-typescript/bin/cli.js").toString(), "openapi.json",
        "-o", "api.d.ts"), work);
    assertEquals(0, gen.exit(), "openapi-typescript: " + gen.output());
    String types = Files.readString(work.resolve("api.d.ts"));
    assertTrue(types.contains("screen_home:") && types.contains("Screen_home:"), "the screen's operation and schema: " + types);

    HttpResponse<String> answer = get(http, bff.port(), "/v1/screens/home?id=p2&first=2&tags=x", true);
    assertEquals(200, answer.statusCode(), answer.body());
    JsonNode home = MAPPER.readTree(answer.body());
    assertEquals("title p2", home.at("/data/top/title").asText(), "a real answer from the upstream: " + answer.body());

    Run good = tsc(work, "answer.ts", home);
    assertEquals(0, good.exit(), "tsc refused the real answer:\n" + good.output() + "\n" + answer.body());

    // The check is not lenient: a number as a string, and a field the operation never selects, are both refused.
    ObjectNode wrongType = home.deepCopy();
    ((ObjectNode) wrongType.at("/data/top")).put("score", "high");
    Run refused = tsc(work, "wrong-type.ts", wrongType);
    assertTrue(refused.exit() != 0 && refused.output().contains("wrong-type.ts(" + lineOf(work.resolve("wrong-type.ts"),
        "\"high\"") + ",") && refused.output().contains("TS2322"), "tsc let a string score through:\n" + refused.output());
    ObjectNode extra = home.deepCopy();
    ((ObjectNode) extra.at("/data/top")).put("secret", "x");
    Run unknown = tsc(work, "extra-field.ts", extra);
    assertTrue(unknown.exit() != 0 && unknown.output().contains("secret"), "tsc let an unselected field through:\n"
        + unknown.output());
  }

  /** {@code file}: {@code answer} assigned to the generated type of screen_home's 200 answer, checked by tsc --strict. */
  private static Run tsc(Path work, String file, JsonNode answer) throws Exception {
    Files.writeString(work.resolve(file), """
        import type { operations } from "./api";
        type HomeAnswer = operations["screen_home"]["responses"][200]["content"]["application/json"];
        export const answer: HomeAnswer = %s;
        """.formatted(answer.toPrettyString()));
    return run(List.of("node", TOOLS.resolve("node_modules/typescript/bin/tsc").toString(), "--noEmit", "--strict",
        "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", file), work);
  }

  /** The 1-based line of {@code file} holding {@code text}: where tsc must point. */
  private static int lineOf(Path file, String text) throws IOException {
    List<String> lines = Files.readAllLines(file);
    for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains(text)) return i + 1;
    throw new AssertionError(text + " not in " + file);
  }

  /** openapi-typescript and TypeScript from the committed lockfile, installed once per build directory. */
  private static void installTools() throws Exception {
    NpmTools.install(SOURCES, TOOLS, List.of("package.json", "package-lock.json"), "openapi-typescript", "typescript");
  }

  private static Run run(List<String> cmd, Path dir) throws Exception {
    return NpmTools.run(cmd, dir);
  }
}
