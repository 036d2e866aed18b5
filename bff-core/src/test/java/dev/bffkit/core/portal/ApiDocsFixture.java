package dev.bffkit.core.portal;

import dev.bffkit.core.security.ApiKeys;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A BFF with every route kind for the API-document tests: screens (variables of every kind, aliases, fragments, a
 * {@code __typename}, {@code @include}, a failing field), GraphQL, a proxy route with scopes, a content rule and a rate limit,
 * the interop gRPC service transcoded and bridged, auth with an issuer and API keys. The upstream is a real local
 * server; the gRPC service is never called (the documents only read its descriptors).
 */
final class ApiDocsFixture {
  static final String KEY = "docs-test-key-1";
  /** The service's name: it must not appear in the contract. */
  static final String SERVICE = "blogsvc";

  static HttpServer upstream(Vertx vertx) throws Exception {
    return vertx.createHttpServer().requestHandler(req -> {
      String p = req.path();
      Object body;
      if (p.startsWith("/items/")) body = post(p.substring("/items/".length()));
      else if (p.equals("/items")) body = new JsonArray().add(post("p1")).add(post("p2"));
      else if (p.equals("/feed")) body = new JsonArray()
          .add(new JsonObject().put("__typename", "Article").put("id", "a1").put("title", "hello"))
          .add(new JsonObject().put("__typename", "Video").put("id", "v1").put("seconds", 30));
      else {
        req.response().setStatusCode(500).end("{}");
        return;
      }
      req.response().putHeader("content-type", "application/json").end(body.toString());
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  private static JsonObject post(String id) {
    return new JsonObject().put("id", id).put("title", "title " + id).put("score", 4.5)
        .put("tags", new JsonArray().add("a").add("b")).put("kind", "ARTICLE")
        .put("author", new JsonObject().put("name", "ann"));
  }

  static String yaml(int upstreamPort) {
    return """
        name: ios
        server: { host: 127.0.0.1, port: 0, instances: 1 }
        services:
          %s: { endpoints: "http://127.0.0.1:%d" }
          interop: { endpoints: ["http://127.0.0.1:9"], protocol: grpc }
        routes:
          - prefix: /api/posts
            service: %s
            methods: [GET, POST]
            scopes: [write]
            rules:
              - { name: beta, match: [ { header: x-beta, value: "1" } ], service: %s }
          - { prefix: /legacy/, service: %s }
        grpc:
          descriptors: [classpath:grpc/bffkit-services.desc]
          transcode: [ { service: interop, grpcService: bffkit.interop.v1.Interop } ]
          web: [ { service: interop, grpcService: bffkit.interop.v1.Interop } ]
        auth:
          required: true
          issuers:
            - { issuer: "https://id.example.test", jwksUrl: "http://127.0.0.1:9/jwks", algorithms: [rs256] }
          apiKeys:
            keys:
              - { name: docs, sha256: %s, tier: free, scopes: [read] }
          screens:
            home: [read]
        rateLimits:
          rules: [ { name: posts, routes: ["proxy:/api/posts"], key: ip, limits: [ { limit: 1000, per: 1m } ] } ]
        """.formatted(SERVICE, upstreamPort, SERVICE, SERVICE, SERVICE, ApiKeys.sha256Hex(KEY));
  }

  static final String SCHEMA = """
      # team note: the blog service is slow on Mondays
      \"""The root of every screen.\"""
      type Query {
        "One post."
        post(id: ID!): Post @rest(service: "blogsvc", path: "/items/{args.id}")
        posts(first: Int = 2, tags: [String!], kind: Kind = ARTICLE, filter: PostFilter): [Post!]!
          @rest(service: "blogsvc", path: "/items") @timeout(ms: 2000)
        broken: Post @rest(service: "blogsvc", path: "/broken")
      }
      "A post."
      type Post { id: ID! title: String score: Float tags: [String!] kind: Kind author: Author }
      type Author { name: String! @map(from: "name") }
      enum Kind { ARTICLE VIDEO }
      input PostFilter { text: String, minScore: Float = 0 }
      """;

  static final Map<String, String> SCREENS = Map.of(
      "home", """
          query Home($id: ID!, $first: Int = 2, $tags: [String!], $kind: Kind = ARTICLE, $filter: PostFilter) {
            top: post(id: $id) { ...PostBits author { name } }
            posts(first: $first, tags: $tags, kind: $kind, filter: $filter) { id title @include(if: true) kind }
            more: posts(first: 1) { __typename ... on Post { id } ...Heading }
          }
          fragment PostBits on Post { id title score tags kind }
          fragment Heading on Post { heading: title @include(if: true) }
          """,
      "partial", """
          query Partial { post(id: "p3") { id } broken { id title } }
          """);

  static Path write(Path dir, int upstreamPort, Map<String, String> screens, String schema) throws Exception {
    Files.createDirectories(dir.resolve("screens"));
    Files.writeString(dir.resolve("bff.yaml"), yaml(upstreamPort));
    Files.writeString(dir.resolve("schema.graphqls"), schema);
    for (var s : screens.entrySet()) Files.writeString(dir.resolve("screens/" + s.getKey() + ".graphql"), s.getValue());
    return dir;
  }

  static HttpResponse<String> get(HttpClient http, int port, String path, boolean withKey) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).GET();
    if (withKey) b.header("X-API-Key", KEY);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private ApiDocsFixture() {}
}
