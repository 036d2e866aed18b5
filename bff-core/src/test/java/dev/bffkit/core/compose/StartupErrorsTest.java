package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.SourceFile;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class StartupErrorsTest {
  FakeServices services;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    services = new FakeServices(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    services.close();
  }

  ConfigException schemaError(String schema) {
    return assertThrows(ConfigException.class,
        () -> CompositionEngine.create(services.bundle(schema, List.of(), 100)));
  }

  static final String HEAD = "type User { id: ID! name: String }\n"; // line 1

  @Test
  void unknownService() {
    ConfigException e = schemaError(HEAD + "type Query {\n  a: Int\n  me: User @rest(service: \"userz\", path: \"/u\")\n}\n");
    assertEquals("schema.graphqls", e.file());
    assertEquals(4, e.line());
    assertTrue(e.getMessage().contains("unknown service 'userz'"), e.getMessage());
    assertTrue(e.getMessage().startsWith("schema.graphqls:4: Query.me:"), e.getMessage());
  }

  @Test
  void badTemplate() {
    ConfigException e = schemaError(HEAD + "type Query {\n  me(id: ID): User @rest(service: \"users\", path: \"/u/{args.id\")\n}\n");
    assertEquals(3, e.line());
    assertTrue(e.getMessage().contains("unclosed '{'"), e.getMessage());
    ConfigException root = schemaError(HEAD + "type Query {\n\n  me: User @rest(service: \"users\", path: \"/u/{user.id}\")\n}\n");
    assertEquals(4, root.line());
    assertTrue(root.getMessage().contains("unknown reference {user.id}"), root.getMessage());
  }

  @Test
  void unknownArgument() {
    ConfigException e = schemaError(HEAD + "type Query {\n  me(id: ID): User\n    @rest(service: \"users\", path: \"/u/{args.uid}\")\n}\n");
    assertEquals(3, e.line());
    assertTrue(e.getMessage().contains("{args.uid} is not an argument of this field; arguments: id"), e.getMessage());
  }

  @Test
  void batchNeedsExactlyOneSourceKey() {
    ConfigException e = schemaError(HEAD + "type Post { id: ID\n author: User @rest(service: \"users\", path: \"/u/1\", "
        + "batch: {path: \"/u?ids={keys}\", key: \"id\"}) }\ntype Query { posts: [Post] }\n");
    assertEquals(3, e.line());
    assertTrue(e.getMessage().contains("exactly one {source.x}"), e.getMessage());
  }

  @Test
  void graphqlSyntaxAndSchemaProblemsCarryTheirLine() {
    ConfigException e = schemaError(HEAD + "type Query {\n  me: User @rest(service: \"users\")\n}\n");
    assertEquals(3, e.line()); // missing required path
    ConfigException syntax = schemaError(HEAD + "type Query {\n  me: User @rest(service: \"users\", path: \"/u\"\n}\n");
    assertTrue(syntax.line() >= 3, syntax.getMessage());
  }

  @Test
  void screenValidationError() {
    SourceFile home = new SourceFile("screens/home.graphql", "query Home {\n  me {\n    name\n    shoeSize\n  }\n}\n");
    ConfigException e = assertThrows(ConfigException.class,
        () -> CompositionEngine.create(services.bundle(FakeServices.SCHEMA, List.of(home), 100)));
    assertEquals("screens/home.graphql", e.file());
    assertEquals(4, e.line());
    assertTrue(e.getMessage().contains("shoeSize"), e.getMessage());
  }

  @Test
  void aScreenHoldsExactlyOneQuery() {
    SourceFile two = new SourceFile("two.graphql", "query A { me { id } }\n\nquery B { me { id } }\n");
    ConfigException e = assertThrows(ConfigException.class,
        () -> CompositionEngine.create(services.bundle(FakeServices.SCHEMA, List.of(two), 100)));
    assertEquals(3, e.line());
    SourceFile bad = new SourceFile("bad.graphql", "query A {\n  me { id \n");
    ConfigException p = assertThrows(ConfigException.class,
        () -> CompositionEngine.create(services.bundle(FakeServices.SCHEMA, List.of(bad), 100)));
    assertEquals("bad.graphql", p.file());
    assertTrue(p.line() > 0, p.getMessage());
  }

  /** {@code @cache}'s problems stop the start at the field's line, naming the fix. */
  @Test
  void cacheNeedsAGetOrGrpcBinding() {
    ConfigException none = schemaError(HEAD + "type Query {\n  a: Int\n  me: User @cache(maxAge: \"30s\")\n}\n");
    assertEquals(4, none.line());
    assertTrue(none.getMessage().startsWith("schema.graphqls:4: Query.me: @cache needs @rest (a GET) or @grpc"),
        none.getMessage());
    ConfigException post = schemaError(HEAD + "type Query {\n  me: User\n    @rest(service: \"users\", path: \"/u\", method: \"POST\")"
        + " @cache(maxAge: \"30s\")\n}\n");
    assertEquals(3, post.line());
    assertTrue(post.getMessage().contains("@cache keeps GET answers only; this @rest uses POST"), post.getMessage());
  }

  @Test
  void cacheDurationsMustParseAndMaxAgeBePositive() {
    for (String bad : List.of("\"0s\"", "\"soon\"", "\"-5s\"", "\"\"")) {
      ConfigException e = schemaError(HEAD + "type Query {\n  me: User @rest(service: \"users\", path: \"/u\")"
          + " @cache(maxAge: " + bad + ")\n}\n");
      assertEquals(3, e.line(), bad);
      assertTrue(e.getMessage().contains("@cache(maxAge: " + bad + ") must be a positive duration"), e.getMessage());
    }
    ConfigException swr = schemaError(HEAD + "type Query {\n  me: User @rest(service: \"users\", path: \"/u\")"
        + " @cache(maxAge: \"30s\", staleWhileRevalidate: \"1 minute\")\n}\n");
    assertTrue(swr.getMessage().contains("@cache(staleWhileRevalidate: \"1 minute\") must be a duration"), swr.getMessage());
    ConfigException missing = schemaError(HEAD + "type Query {\n  me: User @rest(service: \"users\", path: \"/u\") @cache\n}\n");
    assertEquals(3, missing.line());
  }

  @Test
  void publicCacheMustNotReadWhoCalls() {
    ConfigException ctx = schemaError(HEAD + "type Query {\n  me: User @rest(service: \"users\", path: \"/u/{ctx.sub}\")"
        + " @cache(maxAge: \"30s\", scope: PUBLIC)\n}\n");
    assertEquals(3, ctx.line());
    assertTrue(ctx.getMessage().contains("(scope: PUBLIC) shares one answer with every caller, but the request reads"
        + " {ctx.sub} (who calls); use scope: PRIVATE"), ctx.getMessage());
    ConfigException header = schemaError(HEAD + "type Query {\n  me: User @rest(service: \"users\","
        + " path: \"/u?t={header.Authorization}\") @cache(maxAge: \"30s\", scope: PUBLIC)\n}\n");
    assertTrue(header.getMessage().contains("{header.Authorization}"), header.getMessage());
    // The same field as PRIVATE is fine, and so is a PUBLIC one reading a harmless header.
    CompositionEngine.create(services.bundle(HEAD + "type Query {\n  me: User @rest(service: \"users\","
        + " path: \"/u/{ctx.sub}\") @cache(maxAge: \"30s\")\n  x: User @rest(service: \"users\","
        + " path: \"/u?lang={header.accept-language}\") @cache(maxAge: \"1m\", scope: PUBLIC)\n}\n", List.of(), 100));
  }

  @Test
  void batchedFieldsAreNotCached() {
    ConfigException e = schemaError(HEAD + "type Post { id: ID authorId: ID\n author: User @rest(service: \"users\","
        + " path: \"/u/{source.authorId}\", batch: {path: \"/u?ids={keys}\", key: \"id\"}) @cache(maxAge: \"30s\") }\n"
        + "type Query { posts: [Post] }\n");
    assertEquals(3, e.line());
    assertTrue(e.getMessage().contains("@cache does not cache batched fields (batch:)"), e.getMessage());
  }

  @Test
  void cacheTagsMayNotReadTheParent() {
    ConfigException e = schemaError(HEAD + "type Query {\n  me: User @rest(service: \"users\", path: \"/u\")"
        + " @cache(maxAge: \"30s\", tags: [\"u:{source.id}\"])\n}\n");
    assertEquals(3, e.line());
    assertTrue(e.getMessage().contains("(tags:) 'u:{source.id}'"), e.getMessage());
  }

  @Test
  void cacheIsNotInTheContract() {
    CompositionEngine engine = CompositionEngine.create(services.bundle(HEAD + "type Query {\n  me: User"
        + " @rest(service: \"users\", path: \"/u\") @cache(maxAge: \"30s\", scope: PUBLIC)\n}\n", List.of(), 100));
    assertTrue(engine.schema().getDirective("cache") == null, "no @cache in the public schema");
    assertTrue(engine.schema().getType("CacheScope") == null, "no CacheScope in the public schema");
  }
}
