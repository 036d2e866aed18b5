package dev.bffkit.loadtests.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.NpmTools;
import dev.bffkit.core.NpmTools.Run;
import dev.bffkit.core.config.ClasspathBundles;
import dev.bffkit.core.contract.Export;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The web module's {@code --export} read by graphql-codegen (typescript + typescript-operations, its own API as the
 * CLI runs it) gives types that a real dashboard answer (demo services, dev IdP token, the web BFF) compiles against
 * with {@code tsc --strict}, and that refuse a wrong one. The tools are pinned by src/test/codegen's lockfile and
 * installed with {@code npm ci} into {@code target/codegen} on first use; without node or the registry it is skipped.
 */
class ExportCodegenTest {
  private static final Path SOURCES = Path.of("src/test/codegen");
  private static final Path TOOLS = Path.of("target", "codegen").toAbsolutePath();
  private Vertx vertx;

  @AfterEach
  void stop() throws Exception {
    if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void generatedTypesFitARealDashboardAnswer() throws Exception {
    installTools();
    Path work = Files.createDirectories(TOOLS.resolve("work"));
    Path contract = work.resolve("web-contract");
    Export.write(ClasspathBundles.load("web"), contract);
    Run gen = NpmTools.run(List.of("node", TOOLS.resolve("codegen.mjs").toString(), contract.toString(), "types.ts"), work);
    assertEquals(0, gen.exit(), "graphql-codegen: " + gen.output());
    String types = Files.readString(work.resolve("types.ts"));
    assertTrue(types.contains("export type DashboardQuery = "), types);

    JsonObject answer = dashboard();
    assertTrue(answer.getJsonObject("data").getJsonObject("viewer") != null, answer.encode());
    Run good = tsc(work, "answer.ts", answer.getJsonObject("data"));
    assertEquals(0, good.exit(), "tsc refused the real answer:\n" + good.output());

    JsonObject wrong = answer.getJsonObject("data").copy();
    wrong.getJsonObject("viewer").put("name", 42);
    Run refused = tsc(work, "wrong.ts", wrong);
    assertTrue(refused.exit() != 0 && refused.output().contains("TS2322"), "tsc let a number name through:\n"
        + refused.output());
  }

  /** GET /v1/screens/dashboard from the web BFF over the demo services, with a token from the dev IdP. */
  private JsonObject dashboard() throws Exception {
    vertx = Vertx.vertx();
    DemoServices services = DemoServices.start(vertx, 0).await(10, TimeUnit.SECONDS);
    DevIdp idp = DevIdp.start(vertx, 0).await(10, TimeUnit.SECONDS);
    Map<String, String> env = new HashMap<>(services.envUrls());
    env.put("BFF_JWT_ISSUER", idp.issuer());
    env.put("BFF_JWKS_URL", "");
    env.put("BFF_JWT_AUDIENCE", DevIdp.AUDIENCE);
    Bff.RunningBff web = Bff.start(vertx, ClasspathBundles.load("web", name -> env.getOrDefault(name, null)).withPort(0))
        .await(20, TimeUnit.SECONDS);
    Http http = new Http(vertx);
    String token = http.get(idp.port(), "/token?sub=u1&scope=read").json().getString("access_token");
    Http.Resp r = null;
    for (int i = 0; i < 20; i++) { // the first calls of a fresh JVM may miss a field's tight timeout
      r = http.get(web.port(), "/v1/screens/dashboard", "authorization", "Bearer " + token);
      if (r.status() == 200 && !r.json().containsKey("errors")) break;
    }
    assertEquals(200, r.status(), r.body().toString());
    return r.json();
  }

  /** {@code file}: the answer's data assigned to the generated DashboardQuery, checked by tsc --strict. */
  private static Run tsc(Path work, String file, JsonObject data) throws Exception {
    Files.writeString(work.resolve(file), """
        import type { DashboardQuery } from "./types";
        export const data: DashboardQuery = %s;
        """.formatted(data.encodePrettily()));
    return NpmTools.run(List.of("node", TOOLS.resolve("node_modules/typescript/bin/tsc").toString(), "--noEmit", "--strict",
        "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", file), work);
  }

  private static void installTools() throws Exception {
    NpmTools.install(SOURCES, TOOLS, List.of("package.json", "package-lock.json", "codegen.mjs"),
        "@graphql-codegen/typescript-operations", "typescript");
  }
}
