package dev.bffkit.core.compose;

import dev.bffkit.core.upstream.HttpUpstreams;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.ServerConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.config.SourceFile;
import dev.bffkit.core.pipeline.Deadline;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Six real HTTP services on 127.0.0.1 ephemeral ports whose behaviour each test sets, plus the
 * test schema and a bundle pointing at them. Every server records the raw URIs it saw.
 */
final class FakeServices {
  static final List<String> NAMES = List.of("users", "posts", "notifications", "recs", "ads", "analytics");

  static final String SCHEMA = """
      type Query {
        me: User @rest(service: "users", path: "/users/{ctx.sub}")
        feed(first: Int = 20): [Post!] @rest(service: "posts", path: "/users/{ctx.sub}/posts?limit={args.first}", select: "items")
        unreadCount: Int @rest(service: "notifications", path: "/count/{ctx.sub}", select: "count") @fallback(value: 0)
        recommendations(limit: Int = 10): [Rec!] @rest(service: "recs", path: "/recs?user={ctx.sub}&limit={args.limit}", select: "items")
        ads: [Ad] @rest(service: "ads", path: "/ads")
        stats: JSON @rest(service: "analytics", path: "/stats")
        badge: Int @rest(service: "notifications", path: "/badge", select: "n") @timeout(ms: 100) @fallback(value: -1)
        user(id: ID!): User @rest(service: "users", path: "/users/{args.id}")
        search(q: String, tag: String): [Post] @rest(service: "posts", path: "/search?q={args.q}&tag={args.tag}&v=1", select: "items")
        locale: JSON @rest(service: "analytics", path: "/locale?lang={header.accept-language}")
      }
      type User {
        id: ID!
        name: String
        avatar: String @map(from: "avatar.small")
      }
      type Post {
        id: ID!
        text: String
        author: User @rest(service: "users", path: "/users/{source.authorId}",
                           batch: {path: "/users?ids={keys}", key: "id", select: "users"})
      }
      type Rec { id: ID!  title: String }
      type Ad { id: ID! }
      type Mutation {
        createPost(text: String!, tags: [String!]): JSON
          @rest(service: "posts", path: "/posts", method: "POST", body: \"""{"text": {args.text}, "tags": {args.tags}}\""")
      }
      """;

  final Vertx vertx;
  final Map<String, Integer> ports = new LinkedHashMap<>();
  final Map<String, Handler<HttpServerRequest>> handlers = new ConcurrentHashMap<>();
  final Map<String, List<String>> seen = new ConcurrentHashMap<>();
  final Map<String, List<MultiMap>> seenHeaders = new ConcurrentHashMap<>();
  final Map<String, List<String>> bodies = new ConcurrentHashMap<>();
  private final List<HttpServer> servers = new ArrayList<>();
  final HttpUpstreams upstreams;

  FakeServices(Vertx vertx) throws Exception {
    this.vertx = vertx;
    for (String name : NAMES) {
      seen.put(name, new CopyOnWriteArrayList<>());
      seenHeaders.put(name, new CopyOnWriteArrayList<>());
      bodies.put(name, new CopyOnWriteArrayList<>());
      handlers.put(name, req -> req.response().setStatusCode(404).end());
      HttpServer s = vertx.createHttpServer().requestHandler(req -> {
        seen.get(name).add(req.uri());
        seenHeaders.get(name).add(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
        req.body().onSuccess(b -> {
          if (b.length() > 0) bodies.get(name).add(b.toString());
          handlers.get(name).handle(req);
        });
      });
      s.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      servers.add(s);
      ports.put(name, s.actualPort());
    }
    Map<String, dev.bffkit.core.config.ServiceConfig> configs = new LinkedHashMap<>();
    ports.forEach((name, port) -> configs.put(name, dev.bffkit.core.TestBundles.service(name, port)));
    upstreams = new HttpUpstreams(vertx, configs);
    defaults();
  }

  /** Plausible answers for every service; tests override single handlers. */
  void defaults() {
    handlers.put("users", req -> {
      String path = req.path();
      if (path.equals("/users")) {
        List<Object> users = new ArrayList<>();
        for (String id : req.getParam("ids").split(",")) users.add(user(id));
        json(req, Map.of("users", users));
      } else {
        json(req, user(path.substring("/users/".length())));
      }
    });
    handlers.put("posts", req -> json(req, Map.of("items", posts(3, 2))));
    handlers.put("notifications", req -> json(req, Map.of("count", 4, "n", 1)));
    handlers.put("recs", req -> json(req, Map.of("items", List.of(Map.of("id", "r1", "title", "Read me")))));
    handlers.put("ads", req -> json(req, List.of(Map.of("id", "ad1"))));
    handlers.put("analytics", req -> json(req, Map.of("visits", 12, "tags", List.of("a", "b"))));
  }

  static Map<String, Object> user(String id) {
    Map<String, Object> u = new HashMap<>();
    u.put("id", id);
    u.put("name", "User " + id);
    u.put("avatar", Map.of("small", "https://img/" + id + "-s.png", "large", "https://img/" + id + "-l.png"));
    return u;
  }

  /** n posts by {@code authors} distinct authors a0..a(k-1). */
  static List<Object> posts(int n, int authors) {
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add(Map.of("id", "p" + i, "text", "post " + i, "authorId", "a" + (i % authors)));
    return out;
  }

  static void json(HttpServerRequest req, Object body) {
    req.response().putHeader("content-type", "application/json").end(Json.write(body));
  }

  ClientBundle bundle(String schema, List<SourceFile> screens, int maxBatchSize) {
    Map<String, ServiceConfig> services = new LinkedHashMap<>();
    for (String n : NAMES) {
      services.put(n, new ServiceConfig(n, List.of(URI.create("http://127.0.0.1:" + ports.get(n))),
          Duration.ofSeconds(1), 8, Duration.ofSeconds(30), Duration.ofSeconds(5)));
    }
    CompositionConfig comp = new CompositionConfig(Duration.ofSeconds(3), true, "/graphql", "/v1/screens", maxBatchSize);
    BffConfig cfg = new BffConfig("test", ServerConfig.defaults(), comp, services, List.of());
    return new ClientBundle(cfg, new SourceFile("schema.graphqls", schema), screens);
  }

  ClientBundle bundle() {
    return bundle(SCHEMA, List.of(), 100);
  }

  ComposeContext cx(long deadlineMs) {
    return new ComposeContext(upstreams, Deadline.inMillis(deadlineMs), "req-1", Map.of("sub", "u1"),
        MultiMap.caseInsensitiveMultiMap().add("accept-language", "de-CH"));
  }

  /** Runs {@code work} on an event loop (as the server does) and waits for it on the test thread. */
  <T> T onLoop(java.util.function.Supplier<Future<T>> work) throws Exception {
    return new dev.bffkit.core.OnLoop(vertx.getOrCreateContext()).run(work).await(20, TimeUnit.SECONDS);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> parse(ComposeResult r) throws Exception {
    return (Map<String, Object>) Json.parse(r.body());
  }

  void close() throws Exception {
    upstreams.close();
    for (HttpServer s : servers) s.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }
}
