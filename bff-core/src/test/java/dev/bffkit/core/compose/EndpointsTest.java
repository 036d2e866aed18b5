package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.config.SourceFile;
import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.pipeline.Exchange;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The endpoints behind a minimal router: a real server, a real client. */
@ExtendWith(VertxExtension.class)
class EndpointsTest {
  FakeServices services;
  HttpServer server;
  HttpClient client;
  io.vertx.core.Context clientContext;
  int port;

  record Answer(int status, MultiMap headers, String body) {}

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    services = new FakeServices(vertx);
    CompositionEngine engine = CompositionEngine.create(services.bundle(FakeServices.SCHEMA, List.of(
        new SourceFile("screens/home.graphql", "query Home($first: Int = 3) {\n  me { name }\n  feed(first: $first) { id author { name } }\n  unreadCount\n}\n"),
        new SourceFile("screens/profile.graphql", "query Profile { me { id name avatar } }\n")), 100));
    ScreenEndpoint screens = new ScreenEndpoint(engine, services.upstreams);
    GraphqlEndpoint graphql = new GraphqlEndpoint(engine, services.upstreams, 1024);
    server = vertx.createHttpServer().requestHandler(req -> {
      Exchange ex = new Exchange(req, "rid-7", Deadline.inMillis(5000));
      ex.ctx().put("sub", "u1");
      (req.path().startsWith("/v1/screens/") ? screens : graphql).handle(ex, e -> e.fail(500, "next", "called next"));
    });
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    port = server.actualPort();
    client = vertx.createHttpClient();
    clientContext = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.close();
    services.close();
  }

  Answer send(HttpMethod method, String uri, MultiMap headers, String body) throws Exception {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(port).setMethod(method).setURI(uri);
    if (headers != null) o.setHeaders(headers);
    // Issue the call from an event loop: clients driven from a foreign thread race on reused connections.
    java.util.concurrent.CompletableFuture<Answer> done = new java.util.concurrent.CompletableFuture<>();
    clientContext.runOnContext(v -> client.request(o)
        .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), resp.headers(), b.toString())))
        .onComplete(ar -> {
          if (ar.succeeded()) done.complete(ar.result());
          else done.completeExceptionally(ar.cause());
        }));
    return done.get(10, TimeUnit.SECONDS);
  }

  Answer get(String uri) throws Exception {
    return send(HttpMethod.GET, uri, null, null);
  }

  static MultiMap headers(String... kv) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < kv.length; i += 2) m.add(kv[i], kv[i + 1]);
    return m;
  }

  @Test
  void screenAnswersWithEtagAndRevalidates() throws Exception {
    Answer a = get("/v1/screens/home?first=2");
    assertEquals(200, a.status(), a.body());
    assertEquals("application/json", a.headers().get("content-type"));
    assertEquals("private, no-cache", a.headers().get("cache-control"));
    assertNull(a.headers().get("x-bff-partial"));
    String etag = a.headers().get("etag");
    assertTrue(etag.startsWith("W/\""), etag);
    Map<?, ?> data = (Map<?, ?>) ((Map<?, ?>) Json.parse(a.body())).get("data");
    assertEquals(3, ((List<?>) data.get("feed")).size()); // the fake ignores limit; the URI below shows it
    assertEquals("/users/u1/posts?limit=2", services.seen.get("posts").get(0));

    Answer again = send(HttpMethod.GET, "/v1/screens/home?first=2", headers("if-none-match", etag), null);
    assertEquals(304, again.status());
    assertEquals("", again.body());
  }

  @Test
  void screenErrors() throws Exception {
    Answer missing = get("/v1/screens/nope");
    assertEquals(404, missing.status());
    assertTrue(missing.body().contains("\"code\":\"screen_not_found\""), missing.body());
    assertTrue(missing.body().contains("no screen 'nope'; known: home, profile"), missing.body());

    Answer bad = get("/v1/screens/home?first=abc");
    assertEquals(400, bad.status());
    assertTrue(bad.body().contains("variable 'first' must be an Int, got 'abc'"), bad.body());
    // Other methods never reach the endpoint: the route table answers 405 (RoutesTest).
  }

  @Test
  void partialAndFailedScreens() throws Exception {
    services.handlers.put("posts", req -> req.response().setStatusCode(500).end());
    Answer partial = get("/v1/screens/home");
    assertEquals(200, partial.status());
    assertEquals("true", partial.headers().get("x-bff-partial"));
    assertNull(partial.headers().get("etag"));

    services.handlers.put("users", req -> req.response().setStatusCode(503).end());
    Answer failed = get("/v1/screens/profile");
    assertEquals(502, failed.status(), failed.body());
    assertTrue(failed.body().contains("the service answered 503"), failed.body());
    assertFalse(failed.body().contains("users"), failed.body()); // limits.graphql.serviceNamesInErrors is off
  }

  @Test
  void graphqlPostAndGet() throws Exception {
    Answer post = send(HttpMethod.POST, "/graphql", headers("content-type", "application/json; charset=utf-8"),
        "{\"query\":\"query Q($id: ID!) { user(id: $id) { name } }\",\"variables\":{\"id\":\"7\"}}");
    assertEquals(200, post.status(), post.body());
    assertEquals("application/json", post.headers().get("content-type"));
    assertEquals("{\"data\":{\"user\":{\"name\":\"User 7\"}}}", post.body());

    Answer get = send(HttpMethod.GET, "/graphql?query=%7Bme%7Bid%7D%7D",
        headers("accept", "application/graphql-response+json, application/json;q=0.9"), null);
    assertEquals(200, get.status(), get.body());
    assertEquals(GraphqlEndpoint.GRAPHQL_RESPONSE, get.headers().get("content-type"));

    Answer mutation = get("/graphql?query=mutation%7BcreatePost(text:%22x%22)%7D");
    assertEquals(405, mutation.status());
    assertEquals("POST", mutation.headers().get("allow"));
    assertTrue(services.bodies.get("posts").isEmpty());
  }

  @Test
  void graphqlRequestErrorsFollowTheMediaType() throws Exception {
    String invalid = "{\"query\":\"{ me { shoeSize } }\"}";
    Answer asJson = send(HttpMethod.POST, "/graphql", headers("content-type", "application/json"), invalid);
    assertEquals(200, asJson.status());
    assertTrue(asJson.body().contains("shoeSize"));
    Answer asGraphql = send(HttpMethod.POST, "/graphql",
        headers("content-type", "application/json", "accept", GraphqlEndpoint.GRAPHQL_RESPONSE), invalid);
    assertEquals(400, asGraphql.status());

    Answer syntax = send(HttpMethod.POST, "/graphql",
        headers("content-type", "application/json", "accept", GraphqlEndpoint.GRAPHQL_RESPONSE), "{\"query\":\"{ me { \"}");
    assertEquals(400, syntax.status());
    Map<?, ?> err = (Map<?, ?>) ((List<?>) ((Map<?, ?>) Json.parse(syntax.body())).get("errors")).get(0);
    assertTrue(((String) err.get("message")).contains("line 1"), syntax.body());
    assertNull(((Map<?, ?>) Json.parse(syntax.body())).get("data"));

    // curl's Accept: */* names neither type: application/json, so 200 (GraphqlEdgeTest has the whole table).
    Answer wildcard = send(HttpMethod.POST, "/graphql",
        headers("content-type", "application/json", "accept", "*/*"), "{\"query\":\"{ me { \"}");
    assertEquals(200, wildcard.status());
    assertEquals("application/json", wildcard.headers().get("content-type"));
    Answer explicitJson = send(HttpMethod.POST, "/graphql",
        headers("content-type", "application/json", "accept", "application/json, */*;q=0.5"), invalid);
    assertEquals(200, explicitJson.status());
  }

  @Test
  void malformedGraphqlHttpRequests() throws Exception {
    MultiMap json = headers("content-type", "application/json");
    assertEquals(415, send(HttpMethod.POST, "/graphql", headers("content-type", "text/plain"), "{ me { id } }").status());
    assertEquals(400, send(HttpMethod.POST, "/graphql", json, "{\"query\":").status());
    assertEquals(400, send(HttpMethod.POST, "/graphql", json, "{\"variables\":{}}").status());
    assertEquals(400, send(HttpMethod.POST, "/graphql", json, "{\"query\":\"{me{id}}\",\"variables\":[1]}").status());
    assertEquals(400, get("/graphql").status());
    assertEquals(413, send(HttpMethod.POST, "/graphql", json, "{\"query\":\"" + " ".repeat(2000) + "{me{id}}\"}").status());
    Answer put = send(HttpMethod.PUT, "/graphql", json, "{}");
    assertEquals(405, put.status());
    assertNotNull(put.headers().get("allow"));
  }
}
