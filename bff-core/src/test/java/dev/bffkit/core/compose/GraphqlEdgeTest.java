package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.security.ApiKeys;
import graphql.introspection.IntrospectionQuery;
import graphql.schema.idl.SchemaPrinter;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GraphQL edge of a real BFF (two event loops, a real upstream, bundles loaded from files):
 * limits hold for the operation that runs whatever ran before with the same text, APQ hashes are
 * seen from every event loop, introspection is off by default and shows only the contract when
 * on, and Accept picks the media type as GraphQL over HTTP says. Every request is sent on a new
 * connection, so consecutive requests land on both event loops.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GraphqlEdgeTest {
  /** Every internal detail of the schema below: none may reach a client. */
  static final List<String> INTERNALS = List.of("\"rest\"", "\"grpc\"", "\"timeout\"", "\"fallback\"",
      "\"hedge\"", "\"map\"", "\"auth\"", "@rest", "@grpc", "@timeout", "@fallback", "@hedge", "@map", "@auth",
      "RestBatch", "GrpcBatch", "JSON", "\"up\"", "recs-grpc", "/node", "/owners", "{source", "{args", "{ctx",
      "meta.label", "recs.v1", "GetRecommendations", "user_id", "delayMs", "secret", "internal", "batched", "ids=");

  static final String SCHEMA = """
      # secret: the node service also answers /internal/admin
      type Query {
        # internal note: calls the node service
        me: Node @rest(service: "up", path: "/node") @timeout(ms: 900) @fallback(value: null)
        "A node by id."
        node(id: ID!): Node @rest(service: "up", path: "/node?id={args.id}") @hedge(delayMs: 50)
        recs: [Rec] @grpc(service: "recs-grpc", method: "recs.v1.Recommendations/GetRecommendations",
                          request: "{\\"user_id\\": {ctx.sub}, \\"limit\\": 3}", select: "items")
      }
      type Node {
        id: ID
        next: Node
        # batched by the up service
        label: String @map(from: "meta.label")
        owner: Node @rest(service: "up", path: "/owners/{source.id}", batch: {path: "/owners?ids={keys}", key: "id"})
          @auth(scopes: ["read:owners"])
      }
      type Rec { id: ID title: String }
      """;
  static final String NODE = "{\"id\":\"1\",\"next\":{\"id\":\"2\",\"next\":null},\"meta\":{\"label\":\"L\"}}";
  static final String SHALLOW_ANSWER = "{\"data\":{\"me\":{\"id\":\"1\"}}}";

  @TempDir
  static Path dir;
  Vertx vertx;
  HttpServer upstream;
  HttpClient client;
  OnLoop loop;
  /** limits.graphql.maxDepth 5, introspection not set (so off). */
  Bff.RunningBff closed;
  /** introspection: true, default depth. */
  Bff.RunningBff open;
  /** composition.adhocGraphql: false: the screens only. */
  Bff.RunningBff screensOnly;

  record Answer(int status, String type, String body) {
    JsonObject json() { return new JsonObject(body); }

    String code() {
      JsonArray errors = json().getJsonArray("errors");
      return errors == null ? null : errors.getJsonObject(0).getJsonObject("extensions").getString("code");
    }
  }

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> req.response().putHeader("content-type", "application/json")
        .end(NODE)).listen(0, "127.0.0.1").await();
    closed = Bff.start(vertx, bundle("closed", "    maxDepth: 5\n")).await();
    open = Bff.start(vertx, bundle("open", "    introspection: true\n")).await();
    screensOnly = Bff.start(vertx, bundle("screens", "    maxDepth: 5\n", "composition: { adhocGraphql: false }")).await();
    // A new connection per request: the server's two event loops take turns.
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    loop = new OnLoop(vertx.getOrCreateContext());
  }

  ClientBundle bundle(String name, String graphqlLimits) throws Exception {
    return bundle(name, graphqlLimits, "");
  }

  ClientBundle bundle(String name, String graphqlLimits, String more) throws Exception {
    Path folder = dir.resolve(name);
    Files.createDirectories(folder.resolve("screens"));
    Files.writeString(folder.resolve("bff.yaml"), """
        name: %s
        server: { host: 127.0.0.1, port: 0, instances: 2 }
        services:
          up: { endpoints: ["http://127.0.0.1:%d"] }
          recs-grpc: { endpoints: ["http://127.0.0.1:1"], protocol: grpc }
        grpc:
          descriptors: [classpath:grpc/bffkit-services.desc]
        %s
        limits:
          graphql:
        %s""".formatted(name, upstream.actualPort(), more, graphqlLimits));
    Files.writeString(folder.resolve("schema.graphqls"), SCHEMA);
    Files.writeString(folder.resolve("screens/me.graphql"), "query Me { me { id } }\n");
    return BundleLoader.load(folder, Map.<String, String>of()::get);
  }

  @AfterAll
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  Answer send(Bff.RunningBff bff, HttpMethod method, String uri, String body, String... headers) throws Exception {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(bff.port()).setMethod(method).setURI(uri);
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < headers.length; i += 2) h.add(headers[i], headers[i + 1]);
    if (body != null && !h.contains("content-type")) h.add("content-type", "application/json");
    o.setHeaders(h);
    return loop.run(() -> client.request(o)
            .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
            .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), resp.getHeader("content-type"),
                b.toString()))))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  Answer post(Bff.RunningBff bff, JsonObject body) throws Exception {
    return send(bff, HttpMethod.POST, "/graphql", body.encode());
  }

  static JsonObject apq(String hash) {
    return new JsonObject().put("persistedQuery", new JsonObject().put("version", 1).put("sha256Hash", hash));
  }

  // ---- class 5: limits hold for the operation that runs --------------------------------------

  enum Transport { GET, POST, APQ }

  /** Runs one operation of a document as a client would over that transport. */
  Answer run(Transport t, String doc, String operation) throws Exception {
    return switch (t) {
      case GET -> send(closed, HttpMethod.GET, "/graphql?query=" + URLEncoder.encode(doc, StandardCharsets.UTF_8)
          + "&operationName=" + operation, null);
      case POST -> post(closed, new JsonObject().put("query", doc).put("operationName", operation));
      case APQ -> { // as Apollo clients do: the hash alone, and the query too when it is not known
        String hash = ApiKeys.sha256Hex(doc);
        Answer first = post(closed, new JsonObject().put("operationName", operation).put("extensions", apq(hash)));
        yield "PERSISTED_QUERY_NOT_FOUND".equals(first.code())
            ? post(closed, new JsonObject().put("query", doc).put("operationName", operation).put("extensions", apq(hash)))
            : first;
      }
    };
  }

  @Test
  void limitsHoldForTheOperationThatRunsWhateverRanBefore() throws Exception {
    int n = 0;
    for (Transport t : Transport.values()) {
      for (boolean deepFirst : new boolean[] {false, true}) {
        // A text of its own per case: nothing learnt in another case helps.
        String doc = "query Shallow { me { id } }\nquery Deep { me { next { next { next { next { next { id } } } } } } }"
            + "\n# case " + n++;
        // Twice in a row: consecutive connections alternate event loops, so both loops have seen
        // the text (and the other operation) before the next operation runs.
        List<String> order = deepFirst ? List.of("Deep", "Deep", "Shallow", "Shallow", "Deep", "Deep")
            : List.of("Shallow", "Shallow", "Deep", "Deep", "Shallow");
        for (String op : order) {
          String what = t + " " + order + " " + op;
          Answer a = run(t, doc, op);
          if (op.equals("Deep")) {
            assertEquals(400, a.status(), what + ": " + a.body());
            assertEquals("QUERY_TOO_DEEP", a.code(), what);
          } else {
            assertEquals(200, a.status(), what + ": " + a.body());
            assertEquals(new JsonObject(SHALLOW_ANSWER), a.json(), what);
          }
        }
      }
    }
  }

  @Test
  void anApqHashRegisteredOnOneConnectionIsFoundFromEveryEventLoop() throws Exception {
    String doc = "{ me { id next { id } } }";
    String hash = ApiKeys.sha256Hex(doc);
    assertEquals("PERSISTED_QUERY_NOT_FOUND", post(closed, new JsonObject().put("extensions", apq(hash))).code());
    Answer register = post(closed, new JsonObject().put("query", doc).put("extensions", apq(hash)));
    assertEquals(200, register.status(), register.body());
    JsonObject expected = new JsonObject("{\"data\":{\"me\":{\"id\":\"1\",\"next\":{\"id\":\"2\"}}}}");
    // Eight new connections, round-robin over the two event loops: every one finds the hash.
    for (int i = 0; i < 8; i++) {
      Answer hit = i % 2 == 0 ? post(closed, new JsonObject().put("extensions", apq(hash)))
          : send(closed, HttpMethod.GET, "/graphql?extensions=" + URLEncoder.encode(apq(hash).encode(), StandardCharsets.UTF_8), null);
      assertEquals(200, hit.status(), hit.body());
      assertEquals(expected, hit.json(), "connection " + i + ": " + hit.body());
    }
  }

  @Test
  void aHashIsLearntOnlyForItsOwnQuery() throws Exception {
    String doc = "{ me { id } }";
    String other = ApiKeys.sha256Hex("{ me { next { id } } }");
    Answer wrong = post(closed, new JsonObject().put("query", doc).put("extensions", apq(other)));
    assertEquals(400, wrong.status());
    assertEquals("PERSISTED_QUERY_HASH_MISMATCH", wrong.code());
    assertEquals("PERSISTED_QUERY_NOT_FOUND", post(closed, new JsonObject().put("extensions", apq(other))).code());
  }

  @Test
  void persistedQueryStoreIsBoundedAndChecksHashes() {
    PersistedQueries store = new PersistedQueries();
    assertFalse(store.register(ApiKeys.sha256Hex("{ a }"), "{ b }"));
    assertNull(store.get(ApiKeys.sha256Hex("{ a }")));
    String big = "{ me { id } }" + " ".repeat(PersistedQueries.MAX_QUERY_CHARS);
    assertTrue(store.register(ApiKeys.sha256Hex(big), big));
    assertNull(store.get(ApiKeys.sha256Hex(big)), "a query over the size limit is not stored");
    long most = PersistedQueries.MAX_WEIGHT / PersistedQueries.MIN_ENTRY_WEIGHT;
    for (int i = 0; i < most * 2; i++) {
      String q = "{ me { id } } # " + i;
      assertTrue(store.register(ApiKeys.sha256Hex(q), q));
    }
    assertTrue(store.size() <= most, "entries: " + store.size());
    String last = "{ me { id } } # " + (most * 2 - 1);
    assertEquals(last, store.get(ApiKeys.sha256Hex(last)));
  }

  @Test
  void withAdhocOffAScreenRunsItsOwnOperationOnly() throws Exception {
    String screen = "query Me { me { id } }\n";
    String hash = ApiKeys.sha256Hex(screen);
    JsonObject expected = new JsonObject(SHALLOW_ANSWER);
    // {body, expected code or null for the screen's answer}
    Object[][] table = {
        {new JsonObject().put("query", screen), null},
        {new JsonObject().put("query", screen).put("operationName", "Me"), null},
        {new JsonObject().put("extensions", apq(hash)), null},
        {new JsonObject().put("extensions", apq(hash)).put("operationName", "Me"), null},
        {new JsonObject().put("query", screen).put("operationName", "Deep"), "ADHOC_DISABLED"},
        {new JsonObject().put("extensions", apq(hash)).put("operationName", "Deep"), "ADHOC_DISABLED"},
        {new JsonObject().put("query", screen + "query Deep { me { next { next { next { next { next { id } } } } } } }")
            .put("operationName", "Deep"), "ADHOC_DISABLED"},
        {new JsonObject().put("query", "{ me { id } }").put("extensions", apq(hash)), "ADHOC_DISABLED"},
        {new JsonObject().put("extensions", apq(ApiKeys.sha256Hex("{ me { id } }"))), "PERSISTED_QUERY_NOT_FOUND"},
    };
    for (Object[] row : table) {
      Answer a = post(screensOnly, (JsonObject) row[0]);
      if (row[1] == null) {
        assertEquals(expected, a.json(), row[0] + ": " + a.body());
      } else {
        assertEquals(row[1], a.code(), row[0] + ": " + a.body());
      }
    }
  }

  // ---- class 6: the public contract shows only the contract ----------------------------------

  @Test
  void introspectionIsOffByDefault() throws Exception {
    for (String q : List.of("{ __schema { types { name } } }", "{ __type(name: \"Query\") { name } }",
        "query { me { id } } query Look { ...F } fragment F on Query { __schema { queryType { name } } }",
        IntrospectionQuery.INTROSPECTION_QUERY)) {
      Answer a = post(closed, new JsonObject().put("query", q).put("operationName", q.contains("Look") ? "Look" : null));
      assertEquals(400, a.status(), q + ": " + a.body());
      assertEquals("INTROSPECTION_DISABLED", a.code(), q);
    }
  }

  @Test
  void introspectionAndErrorsShowOnlyTheContract() throws Exception {
    List<String> requests = List.of(
        IntrospectionQuery.INTROSPECTION_QUERY,
        "{ __schema { directives { name args { name } } types { name description fields { name description } } } }",
        "{ __type(name: \"Node\") { fields { name description args { name } } } }",
        // Validation errors: unknown fields and arguments, a missing argument.
        "{ node(id: 1, path: \"/x\") { id } }",
        "{ node { id } }",
        "{ me { shoeSize } }",
        "{ recs(limit: 2) { id } }");
    for (String q : requests) {
      Answer a = post(open, new JsonObject().put("query", q));
      assertEquals(200, a.status(), q);
      for (String secret : INTERNALS) {
        assertFalse(a.body().contains(secret), q + " reveals " + secret + ": " + a.body());
      }
    }
    // Names of the composition are unknown to clients, exactly like names that never existed.
    String[][] unknown = {
        {"{ me @rest(service: \"x\", path: \"/y\") { id } }", "Unknown directive 'rest'"},
        {"{ me @timeout(ms: 1) { id } }", "Unknown directive 'timeout'"},
        {"{ me @nosuch { id } }", "Unknown directive 'nosuch'"},
        {"query($v: RestBatch) { me { id } }", "Unknown type 'RestBatch'"},
        {"query($v: JSON) { me { id } }", "Unknown type 'JSON'"},
    };
    for (String[] row : unknown) {
      Answer a = post(open, new JsonObject().put("query", row[0]));
      String message = a.json().getJsonArray("errors").getJsonObject(0).getString("message");
      assertTrue(message.contains(row[1]), row[0] + ": " + message);
    }
    JsonObject schema = post(open, new JsonObject().put("query", IntrospectionQuery.INTROSPECTION_QUERY)).json()
        .getJsonObject("data").getJsonObject("__schema");
    List<String> directives = new ArrayList<>();
    schema.getJsonArray("directives").forEach(d -> directives.add(((JsonObject) d).getString("name")));
    assertTrue(directives.containsAll(List.of("include", "skip", "deprecated")), directives.toString());
    String description = post(open, new JsonObject().put("query", "{ __type(name: \"Query\") { fields { name description } } }"))
        .body();
    assertTrue(description.contains("A node by id."), "descriptions stay: " + description);
    // What a tool would print from the engine's schema.
    String sdl = new SchemaPrinter().print(CompositionEngine.create(bundle("printed", "    maxDepth: 5\n")).schema());
    for (String secret : INTERNALS) assertFalse(sdl.contains(secret), "SDL reveals " + secret + ":\n" + sdl);
    assertTrue(sdl.contains("type Node"), sdl);
  }

  @Test
  void theContractStillRuns() throws Exception {
    // Stripping the directives from the contract leaves the fields bound: map, rest, batch, auth.
    Answer a = post(open, new JsonObject().put("query", "{ me { id label next { id } } node(id: \"1\") { id } }"));
    assertEquals(200, a.status(), a.body());
    assertEquals(new JsonObject("{\"data\":{\"me\":{\"id\":\"1\",\"label\":\"L\",\"next\":{\"id\":\"2\"}},\"node\":{\"id\":\"1\"}}}"),
        a.json());
    Answer forbidden = post(open, new JsonObject().put("query", "{ me { owner { id } } }"));
    assertEquals("FORBIDDEN", forbidden.json().getJsonArray("errors").getJsonObject(0).getJsonObject("extensions")
        .getString("code"), forbidden.body());
  }

  // ---- class 7: the media type follows Accept -----------------------------------------------

  @Test
  void acceptPicksTheMediaType() throws Exception {
    String json = "application/json";
    String gql = GraphqlEndpoint.GRAPHQL_RESPONSE;
    // Accept → answered type; a syntax error is 200 as application/json and 400 as graphql-response+json.
    Object[][] table = {
        {null, json},
        {"", json},
        {"*/*", json},
        {"application/*", json},
        {"text/html, */*;q=0.8", json},
        {"text/html", json}, // nothing acceptable: the server's choice
        {json, json},
        {gql, gql},
        {"APPLICATION/GRAPHQL-RESPONSE+JSON", gql},
        {gql + ", " + json + ";q=0.9", gql},
        {json + ", " + gql, gql}, // equal q: the spec's preferred type
        {gql + ";q=0.5, " + json, json},
        {"*/*, " + gql, gql}, // a named type outranks a wildcard, in either order
        {gql + ", */*", gql},
        {gql + ";q=0", json},
        {gql + ";q=0, */*", json},
        {json + ";q=0, */*", gql}, // JSON refused, the wildcard lets the other in
        {gql + ";q=2", json}, // not a qvalue: not acceptable
        {gql + ";q=0.0001", json},
        {gql + "; charset=utf-8; q=1.000", gql},
        {",,;;,", json},
    };
    for (Object[] row : table) {
      String accept = (String) row[0];
      String expected = (String) row[1];
      Answer a = accept == null ? send(closed, HttpMethod.POST, "/graphql", "{\"query\":\"{ me { \"}")
          : send(closed, HttpMethod.POST, "/graphql", "{\"query\":\"{ me { \"}", "accept", accept);
      assertEquals(expected, a.type(), "Accept: " + accept);
      assertEquals(expected.equals(gql) ? 400 : 200, a.status(), "Accept: " + accept);
      assertNotNull(a.json().getJsonArray("errors"), a.body());
    }
  }
}
