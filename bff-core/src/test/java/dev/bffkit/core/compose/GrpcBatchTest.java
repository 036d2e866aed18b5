package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.GrpcConfig;
import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.upstream.HttpUpstreams;
import dev.bffkit.core.upstream.UpstreamRegistry;
import io.grpc.Status;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
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
 * Batched {@code @grpc} fields against a grpc-java server: a list's keys become one call of the
 * batch method (counted by the server), deduplicated, chunked at {@code maxBatchSize}, typed for
 * the repeated field (64-bit integers as strings); missing keys read null; a failed batch fails
 * every waiting field (or gives its fallback). Both executors must give the same body. Wrong
 * methods, fields and types are start-up errors with file:line.
 */
@ExtendWith(VertxExtension.class)
class GrpcBatchTest {
  static final String SCHEMA = """
      type Query {
        feed: [Post!] @rest(service: "posts", path: "/feed", select: "items")
      }
      type Post {
        id: ID!
        item: Item @grpc(service: "lookup", method: "bffkit.interop.v1.Lookup/GetItem",
                         request: "{\\"number\\": {source.number}}",
                         batch: {method: "BatchGetItems", request: "{\\"numbers\\": {keys}, \\"region\\": {header.x-region}}",
                                 select: "items", key: "number"})
        byName: Item @grpc(service: "lookup", method: "bffkit.interop.v1.Lookup/GetItem",
                           request: "{\\"name\\": {source.name}}",
                           batch: {method: "bffkit.interop.v1.Lookup/BatchGetByName", request: "{\\"names\\": {keys}}",
                                   select: "items", key: "name"})
                     @fallback(value: {name: "unknown"})
      }
      type Item { number: ID name: String region: String tags: [String] }
      """;

  FakeServices rest;
  LookupServer lookup;
  HttpUpstreams upstreams;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    rest = new FakeServices(vertx);
    lookup = new LookupServer();
    upstreams = new HttpUpstreams(vertx, new UpstreamRegistry(vertx, lookup.services(rest)),
        GrpcConfig.DEFAULT_MAX_MESSAGE_BYTES);
  }

  @AfterEach
  void stop() throws Exception {
    upstreams.close();
    lookup.close();
    rest.close();
  }

  private ComposeContext cx() {
    return new ComposeContext(upstreams, Deadline.inMillis(3000), "req-b", Map.of("sub", "u1"),
        MultiMap.caseInsensitiveMultiMap().add("x-region", "eu"));
  }

  /** Runs {@code query} through plans and graphql-java; they must agree; answers the plans' body. */
  private Map<String, Object> both(ClientBundle bundle, String query) throws Exception {
    CompositionEngine planned = CompositionEngine.create(bundle, true);
    CompositionEngine reference = CompositionEngine.create(bundle, false);
    Map<String, Object> a = FakeServices.parse(rest.onLoop(() -> planned.runQuery(query, null, Map.of(), cx())));
    Map<String, Object> b = FakeServices.parse(rest.onLoop(() -> reference.runQuery(query, null, Map.of(), cx())));
    assertEquals(b.get("data"), a.get("data"), query);
    assertEquals(errorSet(b), errorSet(a), query);
    return a;
  }

  private void feed(List<Object> numbers) {
    List<Object> posts = new ArrayList<>();
    for (int i = 0; i < numbers.size(); i++) {
      Map<String, Object> p = new HashMap<>();
      p.put("id", "p" + i);
      p.put("number", numbers.get(i));
      p.put("name", numbers.get(i) == null ? null : "item-" + numbers.get(i));
      posts.add(p);
    }
    rest.handlers.put("posts", req -> FakeServices.json(req, Map.of("items", posts)));
  }

  @Test
  void fiftyItemsMakeOneBatchCallPerExecutor() throws Exception {
    List<Object> numbers = new ArrayList<>();
    for (int i = 0; i < 50; i++) numbers.add(i % 10 + 1); // 10 distinct keys, as numbers
    feed(numbers);
    Map<String, Object> out = both(lookup.bundle(rest, SCHEMA, 100), "{ feed { id item { number name region } } }");
    assertNull(out.get("errors"), () -> "errors: " + out.get("errors"));
    List<?> feed = (List<?>) ((Map<?, ?>) out.get("data")).get("feed");
    assertEquals(50, feed.size());
    for (int i = 0; i < 50; i++) {
      Map<?, ?> item = (Map<?, ?>) ((Map<?, ?>) feed.get(i)).get("item");
      assertEquals(Map.of("number", String.valueOf(i % 10 + 1), "name", "item-" + (i % 10 + 1), "region", "eu"), item);
    }
    assertEquals(2, lookup.calls("BatchGetItems"), "one batch call per executor for 50 items");
    assertEquals(0, lookup.calls("GetItem"), "no single calls");
    for (var r : lookup.batches) {
      assertEquals(10, r.getNumbersCount(), "keys deduplicated: " + r.getNumbersList());
      assertEquals("eu", r.getRegion(), "{header.x} in the batch request");
    }
  }

  @Test
  void keysAreTypedForTheFieldAndMissingOnesReadNull() throws Exception {
    // Numbers as JSON numbers and strings, a leading zero, 2^53+1 (loses precision as a double),
    // unknown numbers, a non-number and an int64 overflow, and a post without a key.
    List<Object> numbers = new ArrayList<>(List.of(7, "7", "007", String.valueOf(LookupServer.BIG), 5000, "abc",
        "99999999999999999999"));
    numbers.add(null);
    feed(numbers);
    Map<String, Object> out = both(lookup.bundle(rest, SCHEMA, 100), "{ feed { id item { number name } } }");
    assertNull(out.get("errors"), () -> "missing keys are not errors: " + out.get("errors"));
    List<?> feed = (List<?>) ((Map<?, ?>) out.get("data")).get("feed");
    List<Object> got = new ArrayList<>();
    for (Object p : feed) {
      Map<?, ?> item = (Map<?, ?>) ((Map<?, ?>) p).get("item");
      got.add(item == null ? null : item.get("number"));
    }
    List<Object> expected = new ArrayList<>(List.of("7", "7", "7", String.valueOf(LookupServer.BIG)));
    expected.add(null); // unknown to the service
    expected.add(null); // not a number: never sent
    expected.add(null); // out of int64: never sent
    expected.add(null); // no key
    assertEquals(expected, got);
    for (var r : lookup.batches) {
      assertEquals(List.of(7L, LookupServer.BIG, 5000L), r.getNumbersList(), "canonical, distinct, in range");
    }
  }

  @Test
  void stringKeysAndChunksAtMaxBatchSize() throws Exception {
    List<Object> numbers = new ArrayList<>();
    for (int i = 1; i <= 10; i++) numbers.add(i);
    numbers.add(4321); // item-4321 is unknown
    feed(numbers);
    Map<String, Object> out = both(lookup.bundle(rest, SCHEMA, 4), "{ feed { byName { name tags } item { name } } }");
    assertNull(out.get("errors"), () -> "errors: " + out.get("errors"));
    List<?> feed = (List<?>) ((Map<?, ?>) out.get("data")).get("feed");
    assertEquals(Map.of("name", "item-3", "tags", List.of("t0")), ((Map<?, ?>) feed.get(2)).get("byName"));
    assertNull(((Map<?, ?>) feed.get(10)).get("byName"), "an unknown name reads null, not the fallback");
    // 11 keys in chunks of 4: 3 calls per binding and executor.
    assertEquals(6, lookup.calls("BatchGetByName"));
    assertEquals(6, lookup.calls("BatchGetItems"));
    for (var r : lookup.nameBatches) assertTrue(r.getNamesCount() <= 4, r.toString());
  }

  @Test
  void aFailedBatchFailsEveryWaitingFieldOrGivesItsFallback() throws Exception {
    feed(List.of(1, 2, 2, 3));
    lookup.failWith = Status.UNAVAILABLE;
    Map<String, Object> out = both(lookup.bundle(rest, SCHEMA, 100), "{ feed { id item { name } byName { name } } }");
    List<?> feed = (List<?>) ((Map<?, ?>) out.get("data")).get("feed");
    for (Object p : feed) {
      assertNull(((Map<?, ?>) p).get("item"));
      assertEquals(Map.of("name", "unknown"), ((Map<?, ?>) p).get("byName"));
    }
    List<?> errors = (List<?>) out.get("errors");
    assertEquals(8, errors.size(), "one error per waiting field: " + errors);
    Map<?, ?> first = (Map<?, ?>) errors.get(0);
    assertEquals("the service answered gRPC UNAVAILABLE", first.get("message"));
    assertEquals(503, ((Map<?, ?>) first.get("extensions")).get("status"));
    assertEquals(2, lookup.calls("BatchGetItems"), "gRPC batches are not retried");
    assertEquals(2, lookup.calls("BatchGetByName"));
  }

  // ------------------------------------------------------------------ start-up errors

  private static final String HEAD = "type Query { feed: [Post!] @rest(service: \"posts\", path: \"/feed\") }\n"
      + "type Item { number: ID name: String }\n"; // lines 1-2

  private static String post(String request, String batch) {
    return HEAD + "type Post {\n  id: ID!\n  item: Item @grpc(service: \"lookup\", method: \"bffkit.interop.v1.Lookup/GetItem\","
        + " request: \"" + request.replace("\"", "\\\"") + "\", batch: {" + batch + "})\n}\n"; // item on line 5
  }

  private static String batch(String method, String request, String select, String key) {
    return "method: \"" + method + "\", request: \"" + request.replace("\"", "\\\"") + "\""
        + (select == null ? "" : ", select: \"" + select + "\"") + ", key: \"" + key + "\"";
  }

  private void startupError(String schema, String expected) {
    ConfigException e = assertThrows(ConfigException.class, () -> CompositionEngine.create(lookup.bundle(rest, schema, 100)));
    assertEquals(5, e.line(), e.getMessage());
    assertTrue(e.getMessage().startsWith("schema.graphqls:5: Post.item: @grpc: "), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void wrongMethodsFieldsAndTypesFailAtStartUp() {
    String single = "{\"number\": {source.number}}";
    String ok = "{\"numbers\": {keys}}";
    // the same shapes with good values start
    CompositionEngine.create(lookup.bundle(rest, post(single, batch("BatchGetItems", ok, "items", "number")), 100));
    CompositionEngine.create(lookup.bundle(rest, post(single, batch("BatchGetItems", ok, "page.items", "number")), 100));
    CompositionEngine.create(lookup.bundle(rest, post(single, batch("BatchGetItems", "{\"small_numbers\": {keys}}",
        "items", "number")), 100));

    startupError(post(single, batch("Nope", ok, "items", "number")),
        "unknown gRPC method 'bffkit.interop.v1.Lookup/Nope'; bffkit.interop.v1.Lookup has: BatchGetByName, BatchGetItems,");
    startupError(post(single, batch("StreamItems", ok, "items", "number")), "is streaming; batch needs a unary method");
    startupError(post(single, batch("BatchGetItems", "{\"region\": \"x\"}", "items", "number")),
        "batch request must contain {keys} exactly once");
    startupError(post(single, batch("BatchGetItems", "{\"region\": {keys}}", "items", "number")),
        "bffkit.interop.v1.BatchGetItemsRequest.region is not repeated");
    startupError(post(single, batch("BatchGetItems", "{\"flags\": {keys}}", "items", "number")),
        "a repeated bool; keys must be strings or integers");
    startupError(post(single, batch("BatchGetItems", "{\"idz\": {keys}}", "items", "number")),
        "BatchGetItemsRequest has no field 'idz'; it has: numbers, region, smallNumbers, flags");
    startupError(post(single, batch("BatchGetItems", "{\"numbers\": [{keys}]}", "items", "number")),
        "write {keys} as a field's whole value");
    startupError(post(single, batch("BatchGetItems", ok, "itemz", "number")),
        "batch select 'itemz': bffkit.interop.v1.BatchGetItemsReply has no field 'itemz'");
    startupError(post(single, batch("BatchGetItems", ok, "page", "number")),
        "batch select 'page' must name a repeated message field");
    startupError(post(single, batch("BatchGetItems", ok, null, "number")), "batch needs select");
    startupError(post(single, batch("BatchGetItems", ok, "items", "name")),
        "batch key 'name' (string bffkit.interop.v1.LookupItem.name) cannot match keys sent as integers");
    startupError(post(single, batch("BatchGetItems", ok, "items", "tags")), "batch key 'tags' (repeated string");
    startupError(post("{\"number\": 1}", batch("BatchGetItems", ok, "items", "number")),
        "a batched field's request must contain exactly one {source.x} (the key), found 0");
    startupError(post(single, batch("BatchGetItems", "{\"numbers\": {keys}, \"region\": {source.x}}", "items", "number")),
        "unknown reference {source.x}; use {ctx.x}, {header.x}, {keys}");
  }

  /** Errors compared as a set: their order follows completion timing in both executors. */
  @SuppressWarnings("unchecked")
  private static Set<Map<String, Object>> errorSet(Map<String, Object> result) {
    Set<Map<String, Object>> out = new HashSet<>();
    Object errors = result.get("errors");
    if (errors != null) for (Object e : (List<Object>) errors) out.add((Map<String, Object>) e);
    return out;
  }
}
