package dev.bffkit.loadtests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.compose.ComposeContext;
import dev.bffkit.core.compose.ComposeResult;
import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.upstream.GrpcRequest;
import dev.bffkit.core.upstream.GrpcResponse;
import dev.bffkit.core.upstream.UpstreamCaller;
import dev.bffkit.core.upstream.UpstreamRequest;
import dev.bffkit.core.upstream.UpstreamResponse;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pure-REST screen (issue 14): the generated rest-home folder is a valid bundle whose home plan
 * calls the six services over REST, and the BFF on it and the hand-written REST fan-out answer
 * alike against the real demo services, started in-process.
 */
class RestHomeTest {
  private String root;

  @BeforeEach
  void repositoryRoot() {
    root = System.getProperty("bffkit.root");
    System.setProperty("bffkit.root", Path.of("..").toAbsolutePath().normalize().toString()); // tests run in load-tests/
  }

  @AfterEach
  void restoreRoot() {
    if (root == null) System.clearProperty("bffkit.root");
    else System.setProperty("bffkit.root", root);
  }

  @Test
  void screenRestIsAScenario() {
    assertTrue(BenchMain.SCENARIOS.contains("screen-rest"), BenchMain.SCENARIOS.toString());
  }

  @Test
  void bundleLoadsWithTheIosAuthAndHomeAndNoGrpc(@TempDir Path tmp) throws Exception {
    Path dir = RestHome.writeBundle(tmp);
    ClientBundle b = BundleLoader.load(dir, name -> null);
    assertEquals("rest-home", b.config().name());
    assertEquals(Set.copyOf(Scenarios.SERVICES), Set.copyOf(b.config().services().keySet()));
    assertEquals(Set.of(), b.config().grpc().services(), "no service with protocol: grpc");
    assertTrue(b.config().grpc().descriptors().isEmpty());
    for (ServiceConfig s : b.config().services().values()) assertFalse(s.healthCheck().grpc(), s.name());
    assertTrue(b.config().auth().enabled(), "auth as the iOS BFF has it");
    Path ios = Scenarios.root().resolve("bff-ios/src/main/resources/bff/ios");
    ClientBundle iosBundle = BundleLoader.load(ios, name -> null);
    assertEquals(iosBundle.config().auth(), b.config().auth());
    assertEquals(Files.readString(ios.resolve("screens/home.graphql")), Files.readString(dir.resolve("screens/home.graphql")));
    String schema = Files.readString(dir.resolve("schema.graphqls"));
    assertFalse(schema.contains("@grpc"), schema);
    assertFalse(Files.readString(dir.resolve("bff.yaml")).contains("grpc"));
    // the observe switches reach it like the other bundles
    Map<String, String> off = new HashMap<>(Scenarios.OBSERVE_OFF);
    var o = BundleLoader.load(dir, off::get).config().observe();
    assertTrue(!o.metrics().enabled() && !o.tracing().enabled() && !o.accessLog().enabled());
    var on = BundleLoader.load(dir, name -> null).config().observe();
    assertTrue(on.metrics().enabled() && on.tracing().enabled());
  }

  @Test
  void homePlanCallsTheSixServicesOverRestOnce(@TempDir Path tmp) throws Exception {
    ClientBundle b = BundleLoader.load(RestHome.writeBundle(tmp), name -> null);
    CompositionEngine engine = CompositionEngine.create(b);
    List<String> calls = new CopyOnWriteArrayList<>();
    List<String> grpcCalls = new CopyOnWriteArrayList<>();
    UpstreamCaller canned = new UpstreamCaller() {
      @Override
      public Future<UpstreamResponse> call(String service, UpstreamRequest request) {
        String path = request.pathAndQuery();
        calls.add(service + " " + path);
        Object body = switch (service) {
          case "users" -> path.startsWith("/users?ids=")
              ? new JsonArray().add(user("u2")).add(user("u3"))
              : user("u1");
          case "posts" -> new JsonObject().put("items", new JsonArray().add(post("p1", "u2")).add(post("p2", "u3"))
              .add(post("p3", "u2")));
          case "recommendations" -> new JsonObject().put("items", new JsonArray()
              .add(new JsonObject().put("id", "r1").put("title", "t").put("kind", "video")
                  .put("image", new JsonObject().put("small", "s").put("large", "l"))));
          case "notifications" -> new JsonObject().put("count", 7);
          case "ads" -> new JsonObject().put("ads", new JsonArray().add(new JsonObject().put("id", "a1")));
          case "analytics" -> new JsonObject().put("views", 42);
          default -> new JsonObject();
        };
        return Future.succeededFuture(new UpstreamResponse(200,
            MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json"), Buffer.buffer(body.toString())));
      }

      @Override
      public Future<GrpcResponse> grpc(String service, GrpcRequest request) {
        grpcCalls.add(service);
        return Future.failedFuture("no gRPC in the pure-REST screen");
      }
    };
    Vertx vertx = Vertx.vertx();
    try {
      Promise<ComposeResult> p = Promise.promise();
      vertx.getOrCreateContext().runOnContext(v -> engine.run(engine.screen("home"), Map.of(),
          new ComposeContext(canned, Deadline.inMillis(5_000), "test", Map.of("sub", "u1"), MultiMap.caseInsensitiveMultiMap()))
          .onComplete(p));
      ComposeResult r = p.future().await(10, TimeUnit.SECONDS);
      assertTrue(r.complete(), r.body().toString());
      JsonObject data = r.body().toJsonObject().getJsonObject("data");
      assertEquals(7, data.getInteger("unreadCount"), data.encode());
      assertEquals(42, data.getInteger("profileViews"), data.encode());
      assertEquals("s", data.getJsonArray("recommendations").getJsonObject(0).getString("image"), data.encode());
      assertEquals("Name u3", data.getJsonArray("feed").getJsonObject(1).getJsonObject("author").getString("name"));
    } finally {
      vertx.close().await();
    }
    assertEquals(List.of(), grpcCalls);
    List<String> sorted = new ArrayList<>(calls);
    Collections.sort(sorted);
    assertEquals(List.of("ads /ads?placement=feed&user=u1&limit=1", "analytics /users/u1/summary?days=7",
        "notifications /users/u1/notifications/unread-count", "posts /users/u1/feed?limit=10",
        "recommendations /recommendations?user=u1&limit=5", "users /users/u1", "users /users?ids=u2,u3"), sorted);
    assertEquals(Set.copyOf(Scenarios.SERVICES), Set.copyOf(calls.stream().map(c -> c.split(" ")[0]).toList()));
  }

  private static JsonObject user(String id) {
    return new JsonObject().put("id", id).put("name", "Name " + id).put("avatar", new JsonObject().put("small", "a").put("large", "A"));
  }

  private static JsonObject post(String id, String author) {
    return new JsonObject().put("id", id).put("authorId", author).put("text", "x").put("createdAt", "2025-01-01T00:00:00Z")
        .put("likes", 1);
  }

  @Test
  void bffAndHandWrittenAnswerAlikeWithTheSameCallsAgainstTheDemoServices(@TempDir Path tmp) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Scenarios.Backends backends = Scenarios.startBackends(vertx).await(20, TimeUnit.SECONDS);
      var idp = Scenarios.devIdp(vertx).await(20, TimeUnit.SECONDS);
      Map<String, String> env = new HashMap<>(RestHome.serviceEnv(backends));
      env.putAll(Scenarios.childEnv());
      env.put("BFF_JWT_ISSUER", idp.issuer());
      env.put("BFF_JWKS_URL", "");
      ClientBundle bundle = BundleLoader.load(RestHome.writeBundle(tmp), env::get).withPort(0);
      Bff.RunningBff bff = Bff.start(vertx, bundle).await(30, TimeUnit.SECONDS);
      int hand = HandWrittenRestHome.start(vertx, backends.ports(), 2).await(20, TimeUnit.SECONDS);
      ScreenParity.Result r = ScreenParity.check(backends, bff.port(), Scenarios.bffHeaders(), hand, RestHome.CALLS);
      assertEquals(List.of(), r.problems(), "BFF: " + r.bffBody() + "\nhand-written: " + r.handBody());
      JsonObject data = new JsonObject(r.handBody()).getJsonObject("data");
      assertEquals(10, data.getJsonArray("feed").size(), r.handBody());
      assertEquals(5, data.getJsonArray("recommendations").size(), r.handBody());
      assertEquals(1, data.getJsonArray("sponsored").size(), r.handBody());
      assertTrue(data.getValue("unreadCount") instanceof Number && data.getValue("profileViews") instanceof Number, r.handBody());
      // the values agree too, not only the shape: same data from the same services
      assertEquals(new JsonObject(r.bffBody()), new JsonObject(r.handBody()));

      // a screen without its token is refused (auth on, as the iOS BFF): the check reports it, loudly
      ScreenParity.Result anonymous = ScreenParity.check(backends, bff.port(), MultiMap.caseInsensitiveMultiMap(), hand,
          RestHome.CALLS);
      assertFalse(anonymous.alike());
      assertTrue(anonymous.problems().stream().anyMatch(p -> p.startsWith("BFF answered 401")), anonymous.problems().toString());
      bff.close().await(10, TimeUnit.SECONDS);
      backends.close().await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void shapesDifferOnKeysCountsAndNullsButNotOnValues() {
    JsonObject a = new JsonObject("{\"data\":{\"me\":{\"name\":\"A\"},\"feed\":[1,2],\"n\":3}}");
    assertEquals(List.of(), JsonShape.differences(a, "a", new JsonObject("{\"data\":{\"me\":{\"name\":\"B\"},\"feed\":[7,8],\"n\":4}}"), "b"));
    String[][] cases = {
        {"{\"data\":{\"me\":{\"name\":\"A\"},\"feed\":[1],\"n\":3}}", "$.data.feed: array(2) in a, array(1) in b"},
        {"{\"data\":{\"me\":null,\"feed\":[1,2],\"n\":3}}", "$.data.me: object in a, null in b"},
        {"{\"data\":{\"me\":{\"name\":\"A\"},\"feed\":[1,2]}}", "$.data.n: number in a, absent in b"},
        {"{\"data\":{\"me\":{\"name\":\"A\"},\"feed\":[1,2],\"n\":\"3\"}}", "$.data.n: number in a, string in b"},
        {"{\"errors\":[],\"data\":{\"me\":{\"name\":\"A\"},\"feed\":[1,2],\"n\":3}}", "$.errors: absent in a, array(0) in b"},
    };
    for (String[] c : cases) {
      List<String> d = JsonShape.differences(a, "a", new JsonObject(c[0]), "b");
      assertTrue(d.contains(c[1]), c[0] + " → " + d);
    }
  }

  @Test
  void callsOtherThanTheSevenAreReported() {
    Map<String, Long> seven = new HashMap<>();
    RestHome.CALLS.forEach((s, routes) -> routes.forEach(r -> seven.put(s + " " + r, 1L)));
    assertEquals(7, seven.size());
    List<String> problems = new ArrayList<>();
    ScreenParity.compareCalls("x", seven, RestHome.CALLS, problems);
    assertEquals(List.of(), problems);
    Map<String, Long> twice = new HashMap<>(seven);
    twice.put("users GET /users/{id}", 2L);
    Map<String, Long> extra = new HashMap<>(seven);
    extra.put("posts GET /posts/{id}", 1L);
    Map<String, Long> missing = new HashMap<>(seven);
    missing.remove("notifications GET /users/{id}/notifications/unread-count");
    for (Map<String, Long> m : List.of(twice, extra, missing)) {
      List<String> p = new ArrayList<>();
      ScreenParity.compareCalls("x", m, RestHome.CALLS, p);
      assertEquals(1, p.size(), m.toString());
    }
    assertEquals(Map.of("a", 2L), ScreenParity.delta(Map.of("a", 1L, "b", 5L), Map.of("a", 3L, "b", 5L)));
  }
}
