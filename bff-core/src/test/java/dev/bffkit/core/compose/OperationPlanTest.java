package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import graphql.parser.Parser;
import io.grpc.Status;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Operation plans against graphql-java, the reference: the same operations on the same
 * upstream answers must give the same data and the same errors, including failures, fallbacks,
 * non-null violations, aliases, fragments and batching.
 */
@ExtendWith(VertxExtension.class)
class OperationPlanTest {
  FakeServices services;
  CompositionEngine planned;
  CompositionEngine reference;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    services = new FakeServices(vertx);
    planned = CompositionEngine.create(services.bundle(), true);
    reference = CompositionEngine.create(services.bundle(), false);
  }

  @AfterEach
  void stop() throws Exception {
    services.close();
  }

  private static final List<String> OPERATIONS = List.of(
      "{ me { id name avatar } unreadCount recommendations(limit: 2) { id title } ads { id } stats }",
      "query Home($first: Int = 7) { me { name } feed(first: $first) { id text author { id name avatar } } }",
      "{ a: me { id } b: user(id: \"u9\") { id name } me { name } }",
      "{ feed { ...P author { __typename id } } } fragment P on Post { id text }",
      "{ feed { ... on Post { id } ... { text } } __typename }",
      "{ badge unreadCount search(q: \"a&b\", tag: null) { id } locale }");

  @Test
  void plansAnswerLikeGraphqlJava() throws Exception {
    services.handlers.put("posts", req -> FakeServices.json(req, Map.of("items", FakeServices.posts(50, 7))));
    for (String op : OPERATIONS) same(op, Map.of());
    same("query Home($first: Int = 7) { feed(first: $first) { id } }", Map.of("first", 3));
  }

  @Test
  void failuresFallbacksAndNonNullViolationsMatch() throws Exception {
    services.handlers.put("notifications", req -> req.response().setStatusCode(503).end("down"));
    services.handlers.put("recs", req -> FakeServices.json(req, Map.of("items", List.of(Map.of("title", "no id")))));
    services.handlers.put("ads", req -> req.response().end("not json"));
    services.handlers.put("analytics", req -> { /* hangs: cut by the deadline */ });
    // a post without an id nulls the whole (nullable) feed list item chain: Post.id is ID!
    services.handlers.put("posts", req -> FakeServices.json(req, Map.of("items",
        List.of(Map.of("id", "p1", "text", "x", "authorId", "a1"), Map.of("text", "no id", "authorId", "a2")))));
    for (String op : OPERATIONS) same(op, Map.of());
  }

  @Test
  void whatPlansCoverAndWhatStaysOnGraphqlJava() {
    var schema = planned.schema();
    assertNotNull(OperationPlan.compile(schema, Parser.parse(OPERATIONS.get(1)), null));
    assertNotNull(OperationPlan.compile(schema, Parser.parse(OPERATIONS.get(3)), null));
    assertNull(OperationPlan.compile(schema, Parser.parse("{ me @skip(if: true) { id } }"), null), "@skip");
    assertNull(OperationPlan.compile(schema, Parser.parse("{ __schema { queryType { name } } }"), null), "introspection");
    assertNull(OperationPlan.compile(schema, Parser.parse("mutation { createPost(text: \"x\") }"), null), "mutations");
  }

  @Test
  void authFieldsAnswerLikeGraphqlJavaWithAndWithoutScopes() throws Exception {
    String schema = FakeServices.SCHEMA
        .replace("name: String\n", "name: String @auth(scopes: [\"pii\"])\n")
        .replace("avatar: String @map(from: \"avatar.small\")", "avatar: String @map(from: \"avatar.small\") @auth(scopes: [\"pii\", \"media\"])")
        .replace("ads: [Ad] @rest(service: \"ads\", path: \"/ads\")", "ads: [Ad] @rest(service: \"ads\", path: \"/ads\") @auth(scopes: [\"ads\"])")
        .replace("text: String\n", "text: String!  @auth(scopes: [\"pii\"])\n");
    var bundle = services.bundle(schema, List.of(), 100);
    CompositionEngine fast = CompositionEngine.create(bundle, true);
    CompositionEngine ref = CompositionEngine.create(bundle, false);
    services.handlers.put("posts", req -> FakeServices.json(req, Map.of("items", FakeServices.posts(3, 2))));
    List<String> ops = List.of("{ me { id name avatar } ads { id } }",
        "{ feed(first: 3) { id text author { id name } } }");
    for (String op : ops) assertNotNull(OperationPlan.compile(fast.schema(), Parser.parse(op), null), op);
    for (Set<String> scopes : List.of(Set.<String>of(), Set.of("pii"), Set.of("pii", "media", "ads"))) {
      for (String op : ops) {
        var anon = scopes.isEmpty();
        java.util.function.Supplier<ComposeContext> cx = () -> {
          ComposeContext c = services.cx(3000);
          return new ComposeContext(c.upstreams(), c.deadline(), c.requestId(), c.ctx(), c.headers(), anon ? null : scopes, null);
        };
        Map<String, Object> a = FakeServices.parse(services.onLoop(() -> fast.runQuery(op, null, Map.of(), cx.get())));
        Map<String, Object> b = FakeServices.parse(services.onLoop(() -> ref.runQuery(op, null, Map.of(), cx.get())));
        assertEquals(b.get("data"), a.get("data"), op + " " + scopes + " " + a.get("errors"));
        assertEquals(errorSet(b), errorSet(a), op + " " + scopes);
        if (!scopes.contains("ads") && op.contains("ads")) {
          assertNull(((Map<?, ?>) a.get("data")).get("ads"), "forbidden field is null");
        }
      }
    }
    // A forbidden field is never fetched.
    int adsCalls = services.seen.get("ads").size();
    services.onLoop(() -> fast.runQuery("{ ads { id } }", null, Map.of(), services.cx(300)));
    services.onLoop(() -> ref.runQuery("{ ads { id } }", null, Map.of(), services.cx(300)));
    assertEquals(adsCalls, services.seen.get("ads").size());
  }

  @Test
  void grpcBatchesAnswerLikeGraphqlJava(Vertx vertx) throws Exception {
    String schema = FakeServices.SCHEMA
        .replace("type Rec {", """
            extend type Post {
              item: Item @grpc(service: "lookup", method: "bffkit.interop.v1.Lookup/GetItem", request: "{\\"number\\": {source.n}}",
                               batch: {method: "BatchGetItems", request: "{\\"numbers\\": {keys}}", select: "items", key: "number"})
              strict: Item! @grpc(service: "lookup", method: "bffkit.interop.v1.Lookup/GetItem", request: "{\\"number\\": {source.n}}",
                               batch: {method: "BatchGetItems", request: "{\\"numbers\\": {keys}}", select: "page.items", key: "number"})
              named: Item @grpc(service: "lookup", method: "bffkit.interop.v1.Lookup/GetItem", request: "{\\"name\\": {source.text}}",
                               batch: {method: "BatchGetByName", request: "{\\"names\\": {keys}}", select: "items", key: "name"})
                          @fallback(value: {name: "none"})
            }
            type Item { number: ID! name: String tags: [String!] }
            type Rec {""");
    List<Object> posts = new java.util.ArrayList<>();
    for (int i = 0; i < 12; i++) {
      // numbers 1..4 repeating, one unknown (5000) and one post without a number
      posts.add(i == 11 ? Map.of("id", "p" + i, "text", "item-x", "authorId", "a1")
          : Map.of("id", "p" + i, "text", "item-" + (i % 4 + 1), "authorId", "a" + (i % 3), "n", i == 10 ? 5000 : i % 4 + 1));
    }
    services.handlers.put("posts", req -> FakeServices.json(req, Map.of("items", posts)));
    try (LookupServer lookup = new LookupServer()) {
      var upstreams = new dev.bffkit.core.upstream.HttpUpstreams(vertx,
          new dev.bffkit.core.upstream.UpstreamRegistry(vertx, lookup.services(services)),
          dev.bffkit.core.config.GrpcConfig.DEFAULT_MAX_MESSAGE_BYTES);
      for (int maxBatch : new int[] {100, 3}) {
        var bundle = lookup.bundle(services, schema, maxBatch);
        CompositionEngine fast = CompositionEngine.create(bundle, true);
        CompositionEngine ref = CompositionEngine.create(bundle, false);
        java.util.function.Supplier<ComposeContext> cx = () -> {
          ComposeContext c = services.cx(3000);
          return new ComposeContext(upstreams, c.deadline(), c.requestId(), c.ctx(), c.headers());
        };
        List<String> ops = List.of(
            "{ feed { id item { number name tags } author { name } named { name } } }",
            "{ feed { id strict { number } } }", // the unknown key nulls the post: strict is Item!
            "{ feed { ...F } me { id } } fragment F on Post { a: item { name } b: item { number } }");
        // statuses that do not count against the breaker, so both executors see the same closed breaker
        for (Status fail : java.util.Arrays.asList(null, Status.NOT_FOUND, Status.PERMISSION_DENIED)) {
          lookup.failWith = fail;
          for (String op : ops) {
            assertNotNull(OperationPlan.compile(fast.schema(), Parser.parse(op), null), op);
            int before = lookup.calls("BatchGetItems");
            Map<String, Object> a = FakeServices.parse(services.onLoop(() -> fast.runQuery(op, null, Map.of(), cx.get())));
            int planCalls = lookup.calls("BatchGetItems") - before;
            Map<String, Object> b = FakeServices.parse(services.onLoop(() -> ref.runQuery(op, null, Map.of(), cx.get())));
            assertEquals(b.get("data"), a.get("data"), op + " " + fail + " " + a.get("errors"));
            assertEquals(errorSet(b), errorSet(a), op + " " + fail);
            assertEquals(planCalls, lookup.calls("BatchGetItems") - before - planCalls, "same calls: " + op);
            if (!op.contains("named")) assertEquals(maxBatch == 100 ? 1 : 2, planCalls, op + " 5 distinct keys");
          }
        }
      }
      upstreams.close();
    }
  }

  private void same(String query, Map<String, Object> variables) throws Exception {
    Map<String, Object> fast = FakeServices.parse(services.onLoop(() -> planned.runQuery(query, null, variables, services.cx(300))));
    Map<String, Object> ref = FakeServices.parse(services.onLoop(() -> reference.runQuery(query, null, variables, services.cx(300))));
    assertEquals(ref.get("data"), fast.get("data"), query);
    assertEquals(errorSet(ref), errorSet(fast), query);
  }

  /** Errors compared as a set: their order follows completion timing in both executors. */
  @SuppressWarnings("unchecked")
  private static Set<Map<String, Object>> errorSet(Map<String, Object> result) {
    Set<Map<String, Object>> out = new HashSet<>();
    Object errors = result.get("errors");
    if (errors == null) return out;
    for (Object e : (List<Object>) errors) {
      Map<String, Object> m = new HashMap<>((Map<String, Object>) e);
      out.add(m);
    }
    return out;
  }
}
