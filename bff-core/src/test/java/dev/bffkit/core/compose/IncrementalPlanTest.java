package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.compose.incremental.IncrementalSink;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Incremental plans on the {@link OperationPlanTest} services: the payloads' shapes, paths (with
 * list indexes), labels, {@code if}, errors that stay in their payload, nested defers and
 * {@code @stream}'s initialCount; and the inline answer (non-multipart clients) equal to the one
 * without directives.
 */
@ExtendWith(VertxExtension.class)
class IncrementalPlanTest {
  FakeServices services;
  CompositionEngine engine;
  CompositionEngine reference;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    services = new FakeServices(vertx);
    engine = CompositionEngine.create(services.bundle(), true);
    reference = CompositionEngine.create(services.bundle(), false);
  }

  @AfterEach
  void stop() throws Exception {
    services.close();
  }

  /** The parts as plain JSON values (what the writer serialises). */
  static final class Parts implements IncrementalSink {
    final List<Map<String, Object>> parts = new ArrayList<>();
    final CompletableFuture<Map<String, Object>> first = new CompletableFuture<>();

    @Override
    public void initial(Object data, List<Map<String, Object>> errors, boolean hasNext) {
      Map<String, Object> m = new LinkedHashMap<>();
      if (!errors.isEmpty()) m.put("errors", errors);
      m.put("data", data);
      m.put("hasNext", hasNext);
      add(m);
      first.complete(parts.get(0));
    }

    @Override
    public void next(List<Map<String, Object>> incremental, boolean hasNext) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("hasNext", hasNext);
      if (!incremental.isEmpty()) m.put("incremental", incremental);
      add(m);
    }

    @SuppressWarnings("unchecked")
    private void add(Map<String, Object> m) {
      try {
        parts.add((Map<String, Object>) Json.parse(Json.toBuffer(m)));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> incremental() {
      List<Map<String, Object>> out = new ArrayList<>();
      for (int i = 1; i < parts.size(); i++) {
        Object inc = parts.get(i).get("incremental");
        if (inc != null) out.addAll((List<Map<String, Object>>) inc);
      }
      return out;
    }
  }

  private Parts run(String query, Map<String, Object> vars) throws Exception {
    Parts sink = new Parts();
    Object started = services.onLoop(() -> {
      IncrementalRun run = engine.incremental(query, null, vars, services.cx(5000));
      if (run == null) return Future.succeededFuture("inline");
      return run.start(sink).map(v -> "parts");
    });
    assertEquals("parts", started, query);
    assertPartsWellFormed(sink);
    return sink;
  }

  /** hasNext true on every part but the last; every later part has incremental or is the last. */
  private static void assertPartsWellFormed(Parts sink) {
    for (int i = 0; i < sink.parts.size(); i++) {
      boolean last = i == sink.parts.size() - 1;
      assertEquals(!last, sink.parts.get(i).get("hasNext"), "hasNext of part " + i + " in " + sink.parts);
    }
  }

  private boolean inline(String query, Map<String, Object> vars) throws Exception {
    return services.onLoop(() -> Future.succeededFuture(engine.incremental(query, null, vars, services.cx(2000)) == null));
  }

  @Test
  void deferredFragmentComesAfterTheInitialPayload() throws Exception {
    Parts p = run("{ me { id } ... @defer(label: \"later\") { feed { id } } }", Map.of());
    assertEquals(Map.of("data", Map.of("me", Map.of("id", "u1")), "hasNext", true), p.parts.get(0));
    assertEquals(List.of(Map.of("data", Map.of("feed", List.of(Map.of("id", "p0"), Map.of("id", "p1"), Map.of("id", "p2"))),
        "path", List.of(), "label", "later")), p.incremental());
    assertEquals(2, p.parts.size());
  }

  @Test
  void deferredFetchStartsAtOnceAndOnlyItsDeliveryWaits() throws Exception {
    Promise<Void> gate = Promise.promise();
    services.handlers.put("analytics", req -> gate.future().onComplete(v -> FakeServices.json(req, Map.of("visits", 1))));
    Parts sink = new Parts();
    Future<Void> done = new dev.bffkit.core.OnLoop(services.vertx.getOrCreateContext())
        .run(() -> engine.incremental("{ me { id } ... @defer { stats } }", null, Map.of(), services.cx(5000)).start(sink));
    Map<String, Object> first = sink.first.get(10, TimeUnit.SECONDS);
    assertEquals(Map.of("data", Map.of("me", Map.of("id", "u1")), "hasNext", true), first);
    // The initial payload is out while the deferred call is held, and that call already went out.
    assertEquals(1, services.seen.get("analytics").size());
    assertEquals(1, sink.parts.size());
    services.vertx.runOnContext(v -> gate.complete());
    done.await(10, TimeUnit.SECONDS);
    assertEquals(List.of(Map.of("data", Map.of("stats", Map.of("visits", 1)), "path", List.of())), sink.incremental());
  }

  @Test
  void pathsCarryListIndexes() throws Exception {
    Parts p = run("{ feed(first: 3) { id ... @defer(label: \"who\") { author { name } } } }", Map.of());
    assertEquals(Map.of("data", Map.of("feed", List.of(Map.of("id", "p0"), Map.of("id", "p1"), Map.of("id", "p2"))),
        "hasNext", true), p.parts.get(0));
    List<Object> paths = new ArrayList<>();
    for (Map<String, Object> inc : p.incremental()) {
      paths.add(inc.get("path"));
      assertEquals("who", inc.get("label"));
      int i = (Integer) ((List<?>) inc.get("path")).get(1);
      assertEquals(Map.of("author", Map.of("name", "User a" + (i % 2))), inc.get("data"));
    }
    assertEquals(3, paths.size());
    assertTrue(paths.containsAll(List.of(List.of("feed", 0), List.of("feed", 1), List.of("feed", 2))), paths.toString());
    // The three authors came in one batched call, shared by the deferred fragments.
    assertEquals(1, services.seen.get("users").stream().filter(u -> u.startsWith("/users?ids=")).count());
  }

  @Test
  void ifFalseInlinesAndNonMultipartAnswersAreUnchanged() throws Exception {
    String q = "query Q($d: Boolean!) { me { id ... @defer(if: $d) { name } } unreadCount }";
    assertTrue(inline(q, Map.of("d", false)), "if: $d false: nothing deferred, answered in one piece");
    assertFalse(inline(q, Map.of("d", true)));
    assertTrue(inline("{ me { id ... @defer(if: false) { name } } }", Map.of()));
    assertTrue(inline("{ me { id } }", Map.of()), "no directive");
    // One active, one not: the inactive fragment is in the initial payload.
    Parts p = run("{ me { id ... @defer(if: false) { name } } ... @defer(label: \"n\") { unreadCount } }", Map.of());
    assertEquals(Map.of("me", Map.of("id", "u1", "name", "User u1")), p.parts.get(0).get("data"));
    assertEquals(List.of(Map.of("data", Map.of("unreadCount", 4), "path", List.of(), "label", "n")), p.incremental());
    // Inline answers (clients without multipart) are today's answers, and graphql-java's.
    String deferred = "{ me { id ... @defer { name avatar } } ... @defer(label: \"x\") { feed { id author { id } } } }";
    String plain = "{ me { id name avatar } feed { id author { id } } }";
    Map<String, Object> a = FakeServices.parse(services.onLoop(() -> engine.runQuery(deferred, null, Map.of(), services.cx(2000))));
    Map<String, Object> b = FakeServices.parse(services.onLoop(() -> engine.runQuery(plain, null, Map.of(), services.cx(2000))));
    Map<String, Object> c = FakeServices.parse(services.onLoop(() -> reference.runQuery(deferred, null, Map.of(), services.cx(2000))));
    assertEquals(b, a);
    assertEquals(c, a);
    assertNotNull(OperationPlan.compile(engine.schema(), graphql.parser.Parser.parse(deferred), null), "planned, not graphql-java");
  }

  @Test
  void namedFragmentsVariableIfsAndTheirLimit() throws Exception {
    Parts p = run("query Q($d: Boolean = true) { me { id } ...F @defer(label: \"f\", if: $d) } fragment F on Query { unreadCount }",
        Map.of());
    assertEquals(List.of(Map.of("data", Map.of("unreadCount", 4), "path", List.of(), "label", "f")), p.incremental());
    assertTrue(inline("{ feed @stream(if: false) { id } }", Map.of()));
    // Every variable `if` doubles the plans a query can need: past four, the query is answered inline.
    StringBuilder q = new StringBuilder("query Q($a: Boolean!, $b: Boolean!, $c: Boolean!, $d: Boolean!, $e: Boolean!) {");
    for (String v : List.of("a", "b", "c", "d", "e")) q.append(" ... @defer(if: $").append(v).append(") { ").append(v).append(": unreadCount }");
    q.append(" }");
    Map<String, Object> on = Map.of("a", true, "b", true, "c", true, "d", true, "e", true);
    assertTrue(inline(q.toString(), on));
    String four = q.toString().replace(", $e: Boolean!", "").replace(" ... @defer(if: $e) { e: unreadCount }", "");
    assertEquals(4, run(four, Map.of("a", true, "b", false, "c", true, "d", false)).incremental().size() + 2);
  }

  @Test
  void errorsInADeferredFragmentNullThatPayloadOnly() throws Exception {
    services.handlers.put("users", req -> FakeServices.json(req, Map.of("name", "no id")));
    services.handlers.put("analytics", req -> req.response().setStatusCode(503).end());
    Parts p = run("{ me { name ... @defer(label: \"id\") { id } } ... @defer(label: \"s\") { stats } }", Map.of());
    assertEquals(Map.of("data", Map.of("me", Map.of("name", "no id")), "hasNext", true), p.parts.get(0), "no error in the initial payload");
    Map<String, Map<String, Object>> byLabel = new LinkedHashMap<>();
    for (Map<String, Object> inc : p.incremental()) byLabel.put((String) inc.get("label"), inc);
    Map<String, Object> id = byLabel.get("id");
    assertTrue(id.containsKey("data") && id.get("data") == null, "a non-null violation nulls the payload: " + id);
    assertEquals(List.of("me"), id.get("path"));
    assertEquals(List.of("me", "id"), ((Map<?, ?>) ((List<?>) id.get("errors")).get(0)).get("path"));
    Map<String, Object> s = byLabel.get("s");
    assertEquals(java.util.Collections.singletonMap("stats", null), s.get("data"));
    assertEquals(List.of("stats"), ((Map<?, ?>) ((List<?>) s.get("errors")).get(0)).get("path"));
  }

  @Test
  void nestedDefersComeParentFirst() throws Exception {
    Parts p = run("{ ... @defer(label: \"outer\") { me { id ... @defer(label: \"inner\") { name } } } unreadCount }", Map.of());
    assertEquals(Map.of("unreadCount", 4), p.parts.get(0).get("data"));
    List<Map<String, Object>> inc = p.incremental();
    assertEquals(2, inc.size(), inc.toString());
    assertEquals("outer", inc.get(0).get("label"));
    assertEquals(Map.of("me", Map.of("id", "u1")), inc.get(0).get("data"));
    assertEquals("inner", inc.get(1).get("label"));
    assertEquals(List.of("me"), inc.get(1).get("path"));
    assertEquals(Map.of("name", "User u1"), inc.get(1).get("data"));
  }

  @Test
  void aDeferredPayloadWhosePlaceWasNulledIsDropped() throws Exception {
    // p1 has no id (ID!): the whole nullable feed list is null, so the patches under it have no place.
    services.handlers.put("posts", req -> FakeServices.json(req, Map.of("items",
        List.of(Map.of("id", "p0", "text", "a"), Map.of("text", "no id")))));
    Parts p = run("{ feed { id ... @defer { text } } }", Map.of());
    assertEquals(java.util.Collections.singletonMap("feed", null), p.parts.get(0).get("data"));
    assertEquals(1, ((List<?>) p.parts.get(0).get("errors")).size());
    assertEquals(List.of(), p.incremental());
    assertEquals(1, p.parts.size(), "the patches were dropped as the initial payload went out: " + p.parts);
    assertEquals(false, p.parts.get(0).get("hasNext"));
  }

  @Test
  void streamSendsItemsAfterInitialCount() throws Exception {
    services.handlers.put("posts", req -> FakeServices.json(req, Map.of("items", FakeServices.posts(4, 2))));
    Parts one = run("{ feed @stream(initialCount: 1, label: \"more\") { id } }", Map.of());
    assertEquals(Map.of("feed", List.of(Map.of("id", "p0"))), one.parts.get(0).get("data"));
    assertEquals(List.of(Map.of("items", List.of(Map.of("id", "p1"), Map.of("id", "p2"), Map.of("id", "p3")),
        "path", List.of("feed", 1), "label", "more")), one.incremental());

    Parts zero = run("{ feed @stream { id } }", Map.of());
    assertEquals(Map.of("feed", List.of()), zero.parts.get(0).get("data"));
    assertEquals(List.of("feed", 0), zero.incremental().get(0).get("path"));
    assertEquals(4, ((List<?>) zero.incremental().get(0).get("items")).size());

    Parts all = run("query S($n: Int) { feed @stream(initialCount: $n) { id } }", Map.of("n", 9));
    assertEquals(1, all.parts.size(), "every item fits in the initial payload");
    assertEquals(4, ((List<?>) ((Map<?, ?>) all.parts.get(0).get("data")).get("feed")).size());

    // Streamed items with a deferred fragment each: the patch paths use the item's real index.
    Parts nested = run("{ feed @stream(initialCount: 2) { id ... @defer { author { id } } } }", Map.of());
    List<Object> paths = new ArrayList<>();
    for (Map<String, Object> inc : nested.incremental()) paths.add(inc.get("path"));
    assertTrue(paths.containsAll(List.of(List.of("feed", 2), List.of("feed", 0), List.of("feed", 1),
        List.of("feed", 3))), paths.toString());
    assertTrue(paths.indexOf(List.of("feed", 3)) > paths.indexOf(List.of("feed", 2)), "stream before its items' patches");
  }

  @Test
  void streamErrorsStayInTheirItems() throws Exception {
    services.handlers.put("posts", req -> FakeServices.json(req, Map.of("items",
        List.of(Map.of("id", "p0"), Map.of("id", "p1"), Map.of("text", "no id")))));
    Parts p = run("{ search(q: \"x\") @stream(initialCount: 1) { id } }", Map.of());
    assertEquals(Map.of("search", List.of(Map.of("id", "p0"))), p.parts.get(0).get("data"));
    Map<String, Object> inc = p.incremental().get(0);
    assertEquals(java.util.Arrays.asList(Map.of("id", "p1"), null), inc.get("items"), "the nullable item is null");
    assertEquals(List.of("search", 2, "id"), ((Map<?, ?>) ((List<?>) inc.get("errors")).get(0)).get("path"));
    assertNull(p.parts.get(0).get("errors"));
  }

  @Test
  void misusedDirectivesAreRequestErrors() throws Exception {
    for (String bad : List.of("{ me @stream { id } }",
        "{ ... @defer(label: \"a\") { me { id } } ... @defer(label: \"a\") { unreadCount } }",
        "{ feed @stream(label: \"a\") { id } ... @defer(label: \"a\") { me { id } } }",
        "query Q($l: String) { ... @defer(label: $l) { me { id } } }",
        "{ feed @stream(initialCount: -1) { id } }")) {
      ComposeResult r = services.onLoop(() -> engine.runQuery(bad, null, Map.of(), services.cx(2000)));
      assertTrue(r.requestError(), bad + " " + r.body());
      ComposeResult g = services.onLoop(() -> reference.runQuery(bad, null, Map.of(), services.cx(2000)));
      assertTrue(g.requestError(), "graphql-java path too: " + bad);
      assertTrue(inline(bad, Map.of()));
    }
  }

  @Test
  void aScreenThatMisusesStreamIsAStartUpErrorWithItsLine() {
    var screen = new dev.bffkit.core.config.SourceFile("screens/home.graphql", "query Home {\n  me @stream { id }\n}\n");
    var e = org.junit.jupiter.api.Assertions.assertThrows(dev.bffkit.core.config.ConfigException.class,
        () -> CompositionEngine.create(services.bundle(FakeServices.SCHEMA, List.of(screen), 100)));
    assertTrue(e.getMessage().contains("screens/home.graphql") && e.getMessage().contains(":2"), e.getMessage());
    assertTrue(e.getMessage().contains("only allowed on list fields"), e.getMessage());
  }

  @Test
  void introspectionListsDeferAndStream() throws Exception {
    ComposeResult r = services.onLoop(() -> engine.runQuery("{ __schema { directives { name locations args { name } } } }",
        null, Map.of(), services.cx(2000)));
    String body = r.body().toString();
    assertTrue(body.contains("\"name\":\"defer\""), body);
    assertTrue(body.contains("\"name\":\"stream\""), body);
    assertTrue(body.contains("initialCount"), body);
  }

  @SuppressWarnings("unused")
  private static void ignore(HttpServerRequest r) {}
}
