package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.LimitsConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class CompositionEngineTest {
  FakeServices services;
  CompositionEngine engine;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    services = new FakeServices(vertx);
    engine = CompositionEngine.create(services.bundle());
  }

  @AfterEach
  void stop() throws Exception {
    services.close();
  }

  Map<String, Object> run(String query, long deadlineMs) throws Exception {
    ComposeResult r = services.onLoop(() -> engine.runQuery(query, null, Map.of(), services.cx(deadlineMs)));
    assertFalse(r.requestError(), () -> r.body().toString());
    return FakeServices.parse(r);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> data(Map<String, Object> result) {
    return (Map<String, Object>) result.get("data");
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> errors(Map<String, Object> result) {
    Object e = result.get("errors");
    return e == null ? List.of() : (List<Map<String, Object>>) e;
  }

  @Test
  void sixIndependentFieldsAreInFlightAtTheSameMoment() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    List<Runnable> held = new ArrayList<>();
    Map<String, Object> answers = Map.of(
        "users", FakeServices.user("u1"), "posts", Map.of("items", List.of()),
        "notifications", Map.of("count", 1), "recs", Map.of("items", List.of()),
        "ads", List.of(), "analytics", Map.of("x", 1));
    for (String name : FakeServices.NAMES) {
      services.handlers.put(name, req -> {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        Runnable answer = () -> {
          inFlight.decrementAndGet();
          FakeServices.json(req, answers.get(name));
        };
        List<Runnable> release = null;
        synchronized (held) {
          held.add(answer);
          if (held.size() == 6) release = new ArrayList<>(held);
        }
        if (release != null) release.forEach(Runnable::run);
      });
    }
    // Bounded wait: if fewer than six ever arrive together, release them so the test fails on the count.
    long guard = services.vertx.setTimer(5000, id -> {
      synchronized (held) {
        if (held.size() < 6) held.forEach(Runnable::run);
      }
    });
    Map<String, Object> result = run("{ me { id } feed { id } unreadCount recommendations { id } ads { id } stats }", 10_000);
    services.vertx.cancelTimer(guard);
    assertEquals(6, maxInFlight.get());
    assertTrue(errors(result).isEmpty(), () -> result.toString());
    assertEquals("u1", ((Map<?, ?>) data(result).get("me")).get("id"));
  }

  @Test
  void fiftyPostsBySevenAuthorsMakeOneCallToUsers() throws Exception {
    services.handlers.put("posts", req -> FakeServices.json(req, Map.of("items", FakeServices.posts(50, 7))));
    Map<String, Object> result = run("{ feed(first: 50) { id author { id name avatar } } unreadCount }", 10_000);
    assertTrue(errors(result).isEmpty(), () -> result.toString());
    List<String> calls = services.seen.get("users");
    assertEquals(1, calls.size(), calls::toString);
    String ids = calls.get(0).substring("/users?ids=".length());
    Set<String> distinct = new HashSet<>(Arrays.asList(ids.split(",")));
    assertEquals(7, ids.split(",").length, ids);
    assertEquals(Set.of("a0", "a1", "a2", "a3", "a4", "a5", "a6"), distinct);
    List<?> feed = (List<?>) data(result).get("feed");
    assertEquals(50, feed.size());
    for (Object o : feed) {
      Map<?, ?> post = (Map<?, ?>) o;
      Map<?, ?> author = (Map<?, ?>) post.get("author");
      assertNotNull(author, () -> "no author for " + post);
      int i = Integer.parseInt(((String) post.get("id")).substring(1));
      assertEquals("a" + (i % 7), author.get("id"));
      assertEquals("https://img/a" + (i % 7) + "-s.png", author.get("avatar"));
    }
    assertEquals("/users/u1/posts?limit=50", services.seen.get("posts").get(0));
  }

  @Test
  void aBatchDoesNotWaitForASlowSibling() throws Exception {
    services.handlers.put("posts", req -> FakeServices.json(req, Map.of("items", FakeServices.posts(10, 4))));
    // ads answers only once the users batch has been sent: the batch must not wait for ads.
    services.handlers.put("ads", req -> {
      long[] poll = new long[1];
      long deadline = System.nanoTime() + 5_000_000_000L;
      poll[0] = services.vertx.setPeriodic(5, id -> {
        if (!services.seen.get("users").isEmpty() || System.nanoTime() > deadline) {
          services.vertx.cancelTimer(id);
          FakeServices.json(req, List.of(Map.of("id", "ad1")));
        }
      });
    });
    Map<String, Object> result = run("{ feed { author { id } } ads { id } }", 10_000);
    assertTrue(errors(result).isEmpty(), () -> result.toString());
    assertEquals(1, services.seen.get("users").size());
    assertEquals(4, services.seen.get("users").get(0).split(",").length);
  }

  @Test
  void batchesAreChunkedAtMaxBatchSizeAndMissingKeysAreNull(Vertx vertx) throws Exception {
    engine = CompositionEngine.create(services.bundle(FakeServices.SCHEMA, List.of(), 3));
    services.handlers.put("posts", req -> FakeServices.json(req, Map.of("items", FakeServices.posts(14, 7))));
    services.handlers.put("users", req -> {
      List<Object> users = new ArrayList<>();
      for (String id : req.getParam("ids").split(",")) {
        if (!id.equals("a3")) users.add(FakeServices.user(id)); // a3 is unknown upstream
      }
      FakeServices.json(req, Map.of("users", users));
    });
    Map<String, Object> result = run("{ feed { id author { id } } }", 10_000);
    assertTrue(errors(result).isEmpty(), () -> result.toString());
    assertEquals(3, services.seen.get("users").size(), () -> services.seen.get("users").toString()); // 7 keys / 3
    for (Object o : (List<?>) data(result).get("feed")) {
      Map<?, ?> post = (Map<?, ?>) o;
      int i = Integer.parseInt(((String) post.get("id")).substring(1));
      if (i % 7 == 3) assertNull(post.get("author"));
      else assertNotNull(post.get("author"));
    }
  }

  @Test
  void aFailingServiceGivesAPartialResult() throws Exception {
    services.handlers.put("posts", req -> req.response().setStatusCode(500).end("stack trace of posts"));
    Map<String, Object> result = run("{ me { name } feed { id } unreadCount }", 10_000);
    Map<String, Object> data = data(result);
    assertEquals("User u1", ((Map<?, ?>) data.get("me")).get("name"));
    assertEquals(4, data.get("unreadCount"));
    assertTrue(data.containsKey("feed"));
    assertNull(data.get("feed"));
    List<Map<String, Object>> errors = errors(result);
    assertEquals(1, errors.size());
    assertEquals(List.of("feed"), errors.get(0).get("path"));
    // The service stays unnamed unless limits.graphql.serviceNamesInErrors says otherwise.
    assertEquals("the service answered 500", errors.get(0).get("message"));
    Map<?, ?> ext = (Map<?, ?>) errors.get(0).get("extensions");
    assertEquals("UPSTREAM_ERROR", ext.get("code"));
    assertEquals(500, ext.get("status"));
    assertFalse(ext.containsKey("service"), ext::toString);
    assertFalse(result.toString().contains("stack trace"));
    assertFalse(result.toString().contains("posts"), result::toString);
  }

  @Test
  void serviceNamesInErrorsIsOptIn() throws Exception {
    services.handlers.put("posts", req -> req.response().setStatusCode(500).end());
    services.handlers.put("ads", req -> { }); // never answers
    ClientBundle b = services.bundle();
    LimitsConfig.Graphql g = LimitsConfig.Graphql.defaults();
    b = new ClientBundle(b.config().withLimits(new LimitsConfig(8192, Duration.ofSeconds(60), 0, new LimitsConfig.Graphql(
        g.maxDepth(), g.maxAliases(), g.maxRootFields(), g.maxTokens(), g.maxCost(), false, true, true))),
        b.schema(), b.screens());
    CompositionEngine named = CompositionEngine.create(b);
    // {query, expected message with names, without names}: HTTP status, timeout, on both executors.
    String[][] table = {
        {"{ feed { id } }", "posts answered 500", "the service answered 500"},
        {"{ ads { id } }", "ads did not answer before the deadline", "the service did not answer before the deadline"},
        {"{ feed { id ... on Post { text } } }", "posts answered 500", "the service answered 500"},
    };
    for (String[] row : table) {
      for (CompositionEngine e : List.of(named, engine)) {
        ComposeResult r = services.onLoop(() -> e.runQuery(row[0], null, Map.of(), services.cx(500)));
        Map<?, ?> error = errors(FakeServices.parse(r)).get(0);
        Map<?, ?> ext = (Map<?, ?>) error.get("extensions");
        if (e == named) {
          assertEquals(row[1], error.get("message"), row[0]);
          assertEquals(row[1].substring(0, row[1].indexOf(' ')), ext.get("service"), row[0]);
        } else {
          assertEquals(row[2], error.get("message"), row[0]);
          assertFalse(ext.containsKey("service"), row[0]);
        }
      }
    }
  }

  @Test
  void anOpenBreakerServesTheFallbackAtOnceAndSaysSo() throws Exception {
    services.handlers.put("notifications", req -> req.response().setStatusCode(500).end());
    int threshold = dev.bffkit.core.config.ServiceConfig.Breaker.defaults().failures();
    for (int i = 0; i < threshold; i++) run("{ unreadCount }", 10_000);
    int reached = services.seen.get("notifications").size();
    Map<String, Object> result = run("{ me { name } unreadCount }", 10_000);
    assertEquals(reached, services.seen.get("notifications").size(), "nothing sent while the breaker is open");
    assertEquals(0, data(result).get("unreadCount"));
    assertEquals("User u1", ((Map<?, ?>) data(result).get("me")).get("name"));
    List<Map<String, Object>> errors = errors(result);
    assertEquals(1, errors.size(), errors::toString);
    assertEquals("the service is unavailable, breaker open", errors.get(0).get("message"));
    Map<?, ?> ext = (Map<?, ?>) errors.get(0).get("extensions");
    assertEquals("UPSTREAM_UNAVAILABLE", ext.get("code"));
    assertEquals(Boolean.TRUE, ext.get("fallback"));
  }

  @Test
  void aFieldOverItsTimeoutGetsItsFallback() throws Exception {
    services.handlers.put("notifications", req -> {
      if (req.path().equals("/badge")) {
        services.vertx.setTimer(2000, id -> FakeServices.json(req, Map.of("n", 9))); // past @timeout(ms: 100)
      } else {
        FakeServices.json(req, Map.of("count", 4));
      }
    });
    Map<String, Object> result = run("{ badge unreadCount }", 10_000);
    assertEquals(-1, data(result).get("badge"));
    assertEquals(4, data(result).get("unreadCount"));
    List<Map<String, Object>> errors = errors(result);
    assertEquals(1, errors.size(), errors::toString);
    assertEquals(List.of("badge"), errors.get(0).get("path"));
    Map<?, ?> ext = (Map<?, ?>) errors.get(0).get("extensions");
    assertEquals("UPSTREAM_TIMEOUT", ext.get("code"));
    assertEquals(Boolean.TRUE, ext.get("fallback"));
  }

  @Test
  void templateValuesCannotChangeTheUrlShape() throws Exception {
    services.handlers.put("users", req -> FakeServices.json(req, FakeServices.user("x")));
    run("{ user(id: \"../../admin?x=1\") { id } }", 10_000);
    assertEquals(List.of("/users/..%2F..%2Fadmin%3Fx%3D1"), services.seen.get("users"));
    run("{ search(q: \"a&b=c #d+e\") { id } }", 10_000); // tag is null: its pair is dropped
    assertEquals(List.of("/search?q=a%26b%3Dc%20%23d%2Be&v=1"), services.seen.get("posts"));
  }

  @Test
  void dotSegmentsAndMissingPathValuesAreFieldErrors() throws Exception {
    Map<String, Object> result = run("{ user(id: \"..\") { id } me { id } }", 10_000);
    assertNull(data(result).get("user"));
    assertNotNull(data(result).get("me"));
    assertEquals("bad value for argument 'id'", errors(result).get(0).get("message"));
    assertEquals(List.of("/users/u1"), services.seen.get("users"));
  }

  @Test
  void invalidJsonIsAFieldErrorAndTheRestAnswers() throws Exception {
    services.handlers.put("recs", req -> req.response().putHeader("content-type", "text/html").end("<html>oops</html>"));
    Map<String, Object> result = run("{ recommendations { id } ads { id } }", 10_000);
    assertNull(data(result).get("recommendations"));
    assertEquals(List.of(Map.of("id", "ad1")), data(result).get("ads"));
    assertEquals("the service answered with invalid JSON", errors(result).get(0).get("message"));
    assertEquals(List.of("recommendations"), errors(result).get(0).get("path"));
  }

  @Test
  void aHangingServiceIsCutByTheDeadline() throws Exception {
    services.handlers.put("ads", req -> { }); // never answers
    ComposeResult r = services.onLoop(() -> engine.runQuery("{ ads { id } unreadCount }", null, Map.of(), services.cx(1000)));
    assertTrue(r.hasFieldErrors());
    Map<String, Object> result = FakeServices.parse(r);
    assertNull(data(result).get("ads"));
    assertEquals(4, data(result).get("unreadCount"));
    Map<?, ?> ext = (Map<?, ?>) errors(result).get(0).get("extensions");
    assertEquals("UPSTREAM_TIMEOUT", ext.get("code"));
    assertEquals("the service did not answer before the deadline", errors(result).get(0).get("message"));
  }

  @Test
  void headersCtxAndRequestIdReachTheUpstream() throws Exception {
    services.handlers.put("analytics", req -> FakeServices.json(req, req.path().equals("/locale")
        ? Map.of("lang", req.getParam("lang")) : Map.of("visits", 12, "tags", List.of("a", "b"))));
    Map<String, Object> result = run("{ locale stats }", 10_000);
    assertEquals(Map.of("lang", "de-CH"), data(result).get("locale"));
    assertEquals(Map.of("visits", 12, "tags", List.of("a", "b")), data(result).get("stats"));
    assertEquals("req-1", services.seenHeaders.get("analytics").get(0).get("x-request-id"));
  }

  @Test
  void mutationsSendAJsonBodyWithEncodedValues() throws Exception {
    services.handlers.put("posts", req -> FakeServices.json(req, Map.of("ok", true)));
    ComposeResult r = services.onLoop(() -> engine.runQuery(
        "mutation($t: String!) { createPost(text: $t, tags: [\"x\"]) }", null,
        Map.of("t", "he said \"hi\"}"), services.cx(10_000)));
    assertTrue(r.complete(), () -> r.body().toString());
    assertEquals(List.of("{\"text\": \"he said \\\"hi\\\"}\", \"tags\": [\"x\"]}"), services.bodies.get("posts"));
    assertEquals("application/json", services.seenHeaders.get("posts").get(0).get("content-type"));
  }

  @Test
  void parseAndValidationErrorsAreRequestErrors() throws Exception {
    ComposeResult r = services.onLoop(() -> engine.runQuery("{ me { nope } }", null, Map.of(), services.cx(1000)));
    assertTrue(r.requestError());
    ComposeResult p = services.onLoop(() -> engine.runQuery("{ me { ", null, Map.of(), services.cx(1000)));
    assertTrue(p.requestError());
    assertTrue(p.body().toString().contains("line 1"), p.body()::toString);
    assertTrue(services.seen.get("users").isEmpty());
  }
}
