package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.config.SourceFile;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ScreenVariablesTest {
  static final String SCHEMA = FakeServices.SCHEMA + """
      enum Sort { NEW, TOP }
      extend type Query {
        find(first: Int, ratio: Float, safe: Boolean, tags: [String!], sort: Sort, id: ID): JSON
          @rest(service: "posts", path: "/find?first={args.first}&tags={args.tags}&sort={args.sort}&id={args.id}")
      }
      """;
  static final String SCREEN = """
      query Find($first: Int = 10, $ratio: Float, $safe: Boolean, $tags: [String!], $sort: Sort, $id: ID!) {
        find(first: $first, ratio: $ratio, safe: $safe, tags: $tags, sort: $sort, id: $id)
      }
      """;

  FakeServices services;
  CompositionEngine engine;
  Screen screen;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    services = new FakeServices(vertx);
    engine = CompositionEngine.create(services.bundle(SCHEMA, List.of(new SourceFile("find.graphql", SCREEN)), 100));
    screen = engine.screen("find");
  }

  @AfterEach
  void stop() throws Exception {
    services.close();
  }

  static MultiMap params(String... kv) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < kv.length; i += 2) m.add(kv[i], kv[i + 1]);
    return m;
  }

  @Test
  void typedVariablesFromQueryParams() {
    Map<String, Object> v = screen.variablesFrom(params("first", "5", "ratio", "0.5", "safe", "true",
        "tags", "a", "tags", "b", "sort", "TOP", "id", "x1", "unknown", "ignored"));
    assertEquals(Map.of("first", 5, "ratio", 0.5, "safe", true, "tags", List.of("a", "b"), "sort", "TOP", "id", "x1"), v);
    assertEquals(Map.of("id", "x1"), screen.variablesFrom(params("id", "x1"))); // defaults left to graphql-java
  }

  @Test
  void wrongTypesNameTheVariable() {
    BadVariableException e = assertThrows(BadVariableException.class,
        () -> screen.variablesFrom(params("first", "abc", "id", "1")));
    assertEquals("variable 'first' must be an Int, got 'abc'", e.getMessage());
    assertEquals("first", e.variable());
    assertTrue(assertThrows(BadVariableException.class, () -> screen.variablesFrom(params("safe", "yes", "id", "1")))
        .getMessage().contains("'safe' must be a Boolean"));
    assertEquals("variable 'sort' must be one of NEW, TOP, got 'OLD'",
        assertThrows(BadVariableException.class, () -> screen.variablesFrom(params("sort", "OLD", "id", "1"))).getMessage());
    assertEquals("variable 'id' is required (ID!)",
        assertThrows(BadVariableException.class, () -> screen.variablesFrom(params())).getMessage());
    assertTrue(assertThrows(BadVariableException.class, () -> screen.variablesFrom(params("first", "1", "first", "2", "id", "1")))
        .getMessage().contains("takes one value"));
  }

  @Test
  void screensRunWithDefaults() throws Exception {
    services.handlers.put("posts", req -> FakeServices.json(req, Map.of("uri", req.uri())));
    ComposeResult r = services.onLoop(() -> engine.run(screen, screen.variablesFrom(params("id", "x 1", "tags", "a&b")),
        services.cx(5000)));
    assertTrue(r.complete(), r.body()::toString);
    assertEquals(List.of("/find?first=10&tags=a%26b&id=x%201"), services.seen.get("posts"));
    assertEquals(List.of("find"), CompositionEngine.names(engine.screens()));
  }
}
