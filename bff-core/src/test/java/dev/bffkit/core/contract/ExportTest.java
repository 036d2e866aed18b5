package dev.bffkit.core.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.security.ApiKeys;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.SchemaPrinter;
import graphql.schema.idl.UnExecutableSchemaGenerator;
import graphql.schema.idl.TypeDefinitionRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --export}: the contract SDL shows what clients see and nothing internal, the operations are the screens as
 * served, and every id in the persisted-query manifest runs its screen on a real BFF by hash alone (Apollo's APQ
 * extension), ad-hoc GraphQL on or off, so safelisting by the manifest works as is.
 */
class ExportTest {
  private static final String SCHEMA = """
      # internal: the profile service
      type Query {
        me: User @rest(service: "profile", path: "/internal/me") @timeout(ms: 500)
        "Recent posts."
        posts(first: Int = 2): [Post!] @rest(service: "profile", path: "/internal/posts?n={args.first}", select: "items")
      }
      type User { id: ID! name: String @map(from: "display.name") }
      type Post { id: ID! title: String }
      """;

  @TempDir Path tmp;
  Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private ClientBundle bundle(String name, int upstreamPort, String more) throws Exception {
    Path folder = tmp.resolve(name);
    Files.createDirectories(folder.resolve("screens"));
    Files.writeString(folder.resolve("bff.yaml"), """
        name: %s
        server: { host: 127.0.0.1, port: 0 }
        services:
          profile: { endpoints: ["http://127.0.0.1:%d"] }
        %s
        """.formatted(name, upstreamPort, more));
    Files.writeString(folder.resolve("schema.graphqls"), SCHEMA);
    Files.writeString(folder.resolve("screens/home.graphql"), "query Home($first: Int = 2) {\n  me { name }\n"
        + "  posts(first: $first) { title }\n}\n");
    Files.writeString(folder.resolve("screens/me.graphql"), "query Me { me { id name } }\n");
    return BundleLoader.load(folder, Map.<String, String>of()::get);
  }

  /**
   * Every shipped module's export round-trips (parsed back and printed again it is the same text, so the same types),
   * holds none of the composition directives, and lists each screen file as written under the SHA-256 of its text.
   */
  @ParameterizedTest
  @ValueSource(strings = {"ios", "android", "web", "tv"})
  void theShippedModulesExportAContractThatRoundTrips(String client) throws Exception {
    Path out = tmp.resolve(client);
    Export.write(BundleLoader.load(ContractCheckTest.shipped(client)), out);
    String sdl = Files.readString(out.resolve("schema.graphql"));
    SchemaPrinter printer = new SchemaPrinter(SchemaPrinter.Options.defaultOptions()
        .includeScalarTypes(true).includeSchemaDefinition(false).includeDirectiveDefinitions(false));
    assertEquals(sdl, printer.print(UnExecutableSchemaGenerator.makeUnExecutableSchema(new SchemaParser().parse(sdl))));
    for (String internal : List.of("@rest", "@grpc", "@map", "@timeout", "@fallback", "@cache", "service:", "path:")) {
      assertFalse(sdl.contains(internal), () -> "'" + internal + "' in " + client + "'s contract:\n" + sdl);
    }
    JsonArray ops = new JsonObject(Files.readString(out.resolve(Export.MANIFEST))).getJsonArray("operations");
    try (Stream<Path> screens = Files.list(ContractCheckTest.shipped(client).resolve("screens"))) {
      List<Path> files = screens.filter(p -> p.toString().endsWith(".graphql")).toList();
      assertEquals(files.size(), ops.size(), ops::encodePrettily);
      for (Path f : files) {
        String text = Files.readString(f);
        assertEquals(text, Files.readString(out.resolve("operations").resolve(f.getFileName())));
        assertTrue(ops.stream().map(JsonObject.class::cast).anyMatch(op -> op.getString("body").equals(text)
            && op.getString("id").equals(ApiKeys.sha256Hex(text))), () -> f + " in " + ops.encodePrettily());
      }
    }
  }

  @Test
  void anAnonymousScreenIsNamedByItsScreenInTheManifest() throws Exception {
    bundle("anon", 1, "");
    Path folder = tmp.resolve("anon");
    Files.writeString(folder.resolve("screens/profile.graphql"), "{ me { id } }\n");
    Path out = tmp.resolve("anon-out");
    Export.write(BundleLoader.load(folder, Map.<String, String>of()::get), out);
    JsonArray ops = new JsonObject(Files.readString(out.resolve(Export.MANIFEST))).getJsonArray("operations");
    assertTrue(ops.stream().map(JsonObject.class::cast).anyMatch(op -> "profile".equals(op.getString("name"))
        && op.getString("body").equals("{ me { id } }\n")), ops::encodePrettily);
    assertTrue(ops.stream().map(JsonObject.class::cast).allMatch(op -> op.getString("name") != null), ops::encodePrettily);
  }

  @Test
  void theExportIsTheContractTheScreensAndAManifestTheBffAcceptsByHash() throws Exception {
    HttpServer upstream = vertx.createHttpServer().requestHandler(req -> req.response()
        .putHeader("content-type", "application/json")
        .end(req.path().endsWith("/me") ? "{\"id\":\"u1\",\"display\":{\"name\":\"Ann\"}}"
            : "{\"items\":[{\"id\":\"p1\",\"title\":\"T1\"},{\"id\":\"p2\",\"title\":\"T2\"}]}"))
        .listen(0, "127.0.0.1").await();
    ClientBundle adhoc = bundle("adhoc", upstream.actualPort(), "");
    Path out = tmp.resolve("out");
    assertEquals("schema.graphql, 2 operations, persisted-query-manifest.json", Export.write(adhoc, out));

    String sdl = Files.readString(out.resolve("schema.graphql"));
    for (String internal : List.of("@rest", "@timeout", "@map", "profile", "/internal", "display.name", "RestBatch",
        "directive @", "#")) {
      assertFalse(sdl.contains(internal), () -> "'" + internal + "' in the contract:\n" + sdl);
    }
    TypeDefinitionRegistry back = new SchemaParser().parse(sdl);
    assertTrue(back.getType("User").isPresent() && back.getType("Post").isPresent(), sdl);
    assertTrue(sdl.contains("\"Recent posts.\""), "descriptions stay: " + sdl);

    assertEquals("query Me { me { id name } }\n", Files.readString(out.resolve("operations/me.graphql")));
    JsonObject manifest = new JsonObject(Files.readString(out.resolve(Export.MANIFEST)));
    assertEquals("apollo-persisted-query-manifest", manifest.getString("format"));
    assertEquals(1, manifest.getInteger("version"));
    JsonArray ops = manifest.getJsonArray("operations");
    assertEquals(2, ops.size());

    Bff.RunningBff open = Bff.start(vertx, adhoc).await(20, TimeUnit.SECONDS);
    Bff.RunningBff closed = Bff.start(vertx, bundle("closed", upstream.actualPort(), "composition: { adhocGraphql: false }"))
        .await(20, TimeUnit.SECONDS);
    HttpClient client = vertx.createHttpClient();
    OnLoop loop = new OnLoop(vertx.getOrCreateContext());
    for (Object o : ops) {
      JsonObject op = (JsonObject) o;
      assertEquals(ApiKeys.sha256Hex(op.getString("body")), op.getString("id"));
      assertEquals("query", op.getString("type"));
      String body = new JsonObject().put("extensions", new JsonObject().put("persistedQuery",
          new JsonObject().put("version", 1).put("sha256Hash", op.getString("id")))).encode();
      for (Bff.RunningBff bff : List.of(open, closed)) {
        JsonObject answer = loop.run(() -> client.request(new RequestOptions().setHost("127.0.0.1").setPort(bff.port())
                .setMethod(HttpMethod.POST).setURI("/graphql").putHeader("content-type", "application/json"))
            .compose(req -> req.send(Buffer.buffer(body))).compose(r -> r.body()))
            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).toJsonObject();
        assertEquals("Ann", answer.getJsonObject("data").getJsonObject("me").getString("name"),
            op.getString("name") + " by hash: " + answer);
      }
    }
  }
}
