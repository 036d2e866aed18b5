package dev.bffkit.core.portal;

import static dev.bffkit.core.portal.ApiDocsFixture.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bffkit.core.Bff;
import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.route.Route;
import graphql.language.DirectiveDefinition;
import graphql.language.InputObjectTypeDefinition;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.TypeDefinitionRegistry;
import graphql.schema.idl.UnExecutableSchemaGenerator;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API documents of a real started BFF: every route documented, answers that match, reloads followed, the contract clean. */
class ApiDocsPagesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  @TempDir Path tmp;
  private Vertx vertx;
  private HttpServer upstream;
  private Bff.RunningBff bff;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = ApiDocsFixture.upstream(vertx);
    bff = Bff.start(vertx, load("v1", ApiDocsFixture.SCREENS, ApiDocsFixture.SCHEMA)).await(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    if (bff != null) bff.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private ClientBundle load(String name, Map<String, String> screens, String schema) throws Exception {
    return BundleLoader.load(ApiDocsFixture.write(tmp.resolve(name), upstream.actualPort(), screens, schema), n -> null);
  }

  private JsonNode openapi() throws Exception {
    HttpResponse<String> r = get(http, bff.adminPort(), "/openapi.json", false);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
    return MAPPER.readTree(r.body());
  }

  /** route name → "method path" of every operation. */
  private static Map<String, List<String>> operationsByRoute(JsonNode doc) {
    Map<String, List<String>> out = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> p = doc.get("paths").fields(); p.hasNext(); ) {
      Map.Entry<String, JsonNode> path = p.next();
      for (Iterator<Map.Entry<String, JsonNode>> o = path.getValue().fields(); o.hasNext(); ) {
        Map.Entry<String, JsonNode> op = o.next();
        out.computeIfAbsent(op.getValue().path("x-bff-route").asText(), k -> new ArrayList<>())
            .add(op.getKey() + " " + path.getKey());
      }
    }
    return out;
  }

  @Test
  void everyRouteOfTheLiveTableIsDocumentedWithWhatItsPolicyMakesPossible() throws Exception {
    JsonNode doc = openapi();
    assertEquals("3.1.0", doc.get("openapi").asText());
    assertEquals("ios", doc.at("/info/title").asText());
    assertFalse(doc.at("/info/version").asText().isEmpty());
    assertTrue(doc.at("/servers/0/url").asText().startsWith("http://127.0.0.1:"), doc.get("servers").toString());

    Map<String, List<String>> ops = operationsByRoute(doc);
    assertTrue(bff.routes().size() >= 12, "the fixture has every kind: " + bff.routes().names());
    for (Route r : bff.routes().routes()) {
      List<String> found = ops.get(r.name());
      assertNotNull(found, "route " + r.name() + " is documented; documented: " + ops.keySet());
      for (var m : r.methods()) {
        if (m.name().equals("HEAD")) continue; // GET documents HEAD (RFC 9110 §9.3.2)
        assertTrue(found.stream().anyMatch(f -> f.startsWith(m.name().toLowerCase() + " ")),
            r.name() + " documents " + m + ": " + found);
      }
    }
    // Paths as a client calls them.
    assertEquals(List.of("get /v1/screens/home"), ops.get("screen:home"));
    assertEquals(List.of("get /v1/screens/{name}"), ops.get("screen:*"));
    assertEquals(new TreeSet<>(List.of("get /api/posts/{path}", "post /api/posts/{path}")), new TreeSet<>(ops.get("proxy:/api/posts")));
    assertEquals(7, ops.get("proxy:/legacy/").size(), "a route without methods takes all: " + ops.get("proxy:/legacy/"));
    assertTrue(doc.at("/paths/~1v1~1echo~1{id}/get").isObject() && doc.at("/paths/~1v1~1echo~1{id}/post").isObject(),
        "Echo's two bindings share the path");
    assertTrue(doc.at("/paths/~1bffkit.interop.v1.Interop~1Echo/post").isObject(), "gRPC-Web per method");

    // Screen variables as typed query parameters.
    JsonNode home = doc.at("/paths/~1v1~1screens~1home/get");
    Map<String, JsonNode> params = new HashMap<>();
    for (JsonNode p : home.get("parameters")) params.put(p.get("name").asText(), p);
    assertEquals(Set.of("id", "first", "tags", "kind", "filter"), params.keySet());
    assertTrue(params.get("id").path("required").asBoolean(), "ID! without default is required");
    assertEquals("string", params.get("id").at("/schema/type").asText());
    assertFalse(params.get("first").path("required").asBoolean());
    assertEquals("int32", params.get("first").at("/schema/format").asText());
    assertEquals(2, params.get("first").at("/schema/default").asInt());
    assertEquals("array", params.get("tags").at("/schema/type").asText(), "a parameter is absent, never null");
    assertEquals("string", params.get("tags").at("/schema/items/type").asText(), "String! items");
    assertEquals("[\"ARTICLE\",\"VIDEO\"]", params.get("kind").at("/schema/enum").toString());
    assertEquals("ARTICLE", params.get("kind").at("/schema/default").asText());
    assertTrue(params.get("filter").at("/content/application~1json/schema/properties/minScore").isObject(),
        "an input object travels as JSON: " + params.get("filter"));

    // Policy: auth required (401), scopes (403, in security), rate limits only where configured (429 + Retry-After).
    assertTrue(home.at("/responses/401").isObject() && home.at("/responses/403").isObject());
    assertEquals("[\"read\"]", home.at("/security/0/bearer").toString());
    assertEquals("[\"read\"]", home.at("/security/1/apiKey").toString());
    assertTrue(home.at("/responses/429").isMissingNode(), "no limit on the screen");
    JsonNode proxyGet = doc.at("/paths/~1api~1posts~1{path}/get");
    assertEquals("#/components/responses/TooManyRequests", proxyGet.at("/responses/429/$ref").asText());
    assertTrue(doc.at("/components/responses/TooManyRequests/headers/Retry-After").isObject());
    assertTrue(doc.at("/paths/~1api~1posts~1{path}/post/responses/413").isObject(), "a body route can be too large");
    assertTrue(proxyGet.get("description").asText().contains("beta (header x-beta"), proxyGet.get("description").asText());
    assertFalse(doc.toString().contains(ApiDocsFixture.SERVICE), "no service name in the document");

    // Shared shapes and schemes.
    assertEquals("[\"status\",\"code\",\"message\",\"requestId\"]", doc.at("/components/schemas/Error/properties/error/required").toString());
    assertTrue(doc.at("/components/headers/X-BFF-Partial").isObject());
    assertEquals("#/components/headers/X-BFF-Partial", home.at("/responses/200/headers/X-BFF-Partial/$ref").asText());
    assertEquals("bearer", doc.at("/components/securitySchemes/bearer/scheme").asText());
    assertTrue(doc.at("/components/securitySchemes/bearer/description").asText().contains("https://id.example.test"));
    assertEquals("x-api-key", doc.at("/components/securitySchemes/apiKey/name").asText());
    JsonNode health = doc.at("/paths/~1healthz/get");
    assertTrue(health.get("security").isArray() && health.get("security").isEmpty(), "health takes no credentials: " + health);
    JsonNode graphqlGet = doc.at("/paths/~1graphql/get");
    assertEquals(2, graphqlGet.get("security").size(), "auth required: bearer or API key, no anonymous {}: " + graphqlGet);

    // Transcoding: path variables, body and answer from the protos.
    JsonNode put = doc.at("/paths/~1v1~1items~1{id}/put");
    assertEquals("id", put.at("/parameters/0/name").asText());
    assertEquals("#/components/schemas/bffkit.interop.v1.Item", put.at("/requestBody/content/application~1json/schema/$ref").asText());
    assertEquals("#/components/schemas/bffkit.interop.v1.EchoRequest",
        doc.at("/paths/~1v1~1echo~1{id}/post/requestBody/content/application~1json/schema/$ref").asText());
    JsonNode echo = doc.at("/components/schemas/bffkit.interop.v1.EchoRequest/properties");
    assertEquals("[\"string\",\"integer\"]", echo.at("/big/type").toString(), "int64 is a string in proto3 JSON");
    assertEquals("date-time", echo.at("/at/format").asText());
    assertEquals("[\"COLOR_UNSPECIFIED\",\"RED\",\"GREEN\"]", echo.at("/color/enum").toString());
    assertEquals("array", doc.at("/paths/~1v1~1stream~1{count}/get/responses/200/content/application~1json/schema/type").asText(),
        "a server stream answers an array");
    assertTrue(doc.at("/paths/~1v1~1slow~1{delay_ms}/get").isObject());
  }

  @Test
  void aScreensAnswerSchemaMatchesItsRealAnswersAndTheCheckCatchesAWrongOne() throws Exception {
    JsonNode doc = openapi();
    JsonNode schema = doc.at("/components/schemas/Screen_home");
    HttpResponse<String> r = get(http, bff.port(), "/v1/screens/home?id=p1&tags=a&tags=b&first=1", true);
    assertEquals(200, r.statusCode(), r.body());
    JsonNode answer = MAPPER.readTree(r.body());
    assertEquals(List.of(), SchemaCheck.check(doc, schema, answer), "answer: " + answer);
    assertEquals("title p1", answer.at("/data/top/title").asText(), "the alias is the key");

    HttpResponse<String> p = get(http, bff.port(), "/v1/screens/partial", true);
    assertEquals(200, p.statusCode(), p.body());
    assertEquals("true", p.headers().firstValue("x-bff-partial").orElse(""));
    JsonNode partial = MAPPER.readTree(p.body());
    assertEquals(List.of(), SchemaCheck.check(doc, doc.at("/components/schemas/Screen_partial"), partial), "partial: " + partial);

    // Wrong answers fail the check: a missing key, an extra key, a wrong type, a typename of another member.
    Map<String, String> breaks = Map.of(
        "/data/top", "remove:title",
        "/data", "add:extra",
        "/data/top/score", "type",
        "/data/more/0/__typename", "typename");
    for (var b : breaks.entrySet()) {
      JsonNode wrong = answer.deepCopy();
      String how = b.getValue();
      if (how.startsWith("remove:")) ((ObjectNode) wrong.at(b.getKey())).remove(how.substring(7));
      else if (how.startsWith("add:")) ((ObjectNode) wrong.at(b.getKey())).put(how.substring(4), 1);
      else if (how.equals("type")) ((ObjectNode) wrong.at("/data/top")).put("score", "high");
      else ((ObjectNode) wrong.at("/data/more/0")).put("__typename", "Author");
      assertFalse(SchemaCheck.check(doc, schema, wrong).isEmpty(), "the check refuses " + b);
    }
  }

  @Test
  void aReloadThatAddsAScreenAndAFieldShowsInBothDocuments() throws Exception {
    JsonNode before = openapi();
    assertTrue(before.at("/paths/~1v1~1screens~1fresh").isMissingNode());
    String sdlBefore = get(http, bff.adminPort(), "/schema.graphql", false).body();
    assertFalse(sdlBefore.contains("subtitle"));

    Map<String, String> screens = new HashMap<>(ApiDocsFixture.SCREENS);
    screens.put("fresh", "query Fresh { post(id: \"p9\") { id subtitle } }\n");
    String schema = ApiDocsFixture.SCHEMA.replace("type Post { id: ID!", "type Post { id: ID! subtitle: String");
    bff.reload(load("v1", screens, schema)).await(20, TimeUnit.SECONDS);

    JsonNode after = openapi();
    assertTrue(after.at("/paths/~1v1~1screens~1fresh/get").isObject(), "the new screen is documented");
    assertEquals("screen:fresh", after.at("/paths/~1v1~1screens~1fresh/get/x-bff-route").asText());
    assertTrue(after.at("/components/schemas/Screen_fresh/properties/data").toString().contains("subtitle"));
    assertNotEquals(before.at("/info/version").asText(), after.at("/info/version").asText(), "a new content version");
    assertTrue(get(http, bff.adminPort(), "/schema.graphql", false).body().contains("subtitle: String"));
  }

  @Test
  void theSdlIsTheContractWithoutInternalDirectivesCommentsOrServices() throws Exception {
    HttpResponse<String> r = get(http, bff.adminPort(), "/schema.graphql", false);
    assertEquals(200, r.statusCode());
    assertEquals("text/plain; charset=utf-8", r.headers().firstValue("content-type").orElse(""));
    String sdl = r.body();
    TypeDefinitionRegistry parsed = new SchemaParser().parse(sdl);
    GraphQLSchema schema = UnExecutableSchemaGenerator.makeUnExecutableSchema(parsed);
    assertNotNull(schema.getObjectType("Post"));
    assertNotNull(schema.getType("PostFilter"));
    assertTrue(sdl.contains("A post."), "descriptions stay: " + sdl);

    // Every name the composition directives define (directives and their input types) is absent.
    TypeDefinitionRegistry internal = new SchemaParser().parse(CompositionEngine.directiveDefinitions());
    List<String> names = new ArrayList<>();
    internal.getDirectiveDefinitions().values().forEach((DirectiveDefinition d) -> names.add("@" + d.getName()));
    internal.getTypes(InputObjectTypeDefinition.class).forEach(t -> names.add(t.getName()));
    assertTrue(names.containsAll(List.of("@rest", "@grpc", "@map", "@timeout", "@fallback", "@auth", "@hedge", "RestBatch")), names.toString());
    // @stream is a request directive clients write (as @defer): the contract defines it, so codegen validates operations.
    names.remove("@stream");
    assertTrue(sdl.contains("directive @stream(") && sdl.contains(" on FIELD"), sdl);
    for (String n : names) assertFalse(sdl.contains(n), n + " is internal: " + sdl);
    assertFalse(sdl.contains("scalar JSON"), "JSON is used by no contract field");
    for (String leak : List.of(ApiDocsFixture.SERVICE, "/items", "#", "team note")) {
      assertFalse(sdl.contains(leak), "'" + leak + "' is a service detail or comment: " + sdl);
    }
  }

  @Test
  void theDocumentsAreServedOnTheAdminListenerOnly() throws Exception {
    assertEquals(200, get(http, bff.adminPort(), "/openapi.json", false).statusCode());
    assertEquals(404, get(http, bff.port(), "/openapi.json", true).statusCode(), "not on the client listener");
  }
}
