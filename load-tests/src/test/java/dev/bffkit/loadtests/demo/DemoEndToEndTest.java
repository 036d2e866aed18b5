package dev.bffkit.loadtests.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.ClasspathBundles;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole demo as a user runs it: the six demo services and the four client BFFs built from
 * their real bundles, on ephemeral loopback ports.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class DemoEndToEndTest {
  private static Vertx vertx;
  private static DemoServices services;
  private static final Map<String, Integer> ports = new HashMap<>();
  private static final Map<String, Bff.RunningBff> bffs = new HashMap<>();
  private static Http http;
  private static DevIdp idp;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    services = DemoServices.start(vertx, 0).await(10, TimeUnit.SECONDS);
    idp = DevIdp.start(vertx, 0).await(10, TimeUnit.SECONDS);
    Map<String, String> env = new HashMap<>(services.envUrls());
    env.put("BFF_JWT_ISSUER", idp.issuer()); // keys by OIDC discovery from the dev IdP
    env.put("BFF_JWKS_URL", "");
    env.put("BFF_JWT_AUDIENCE", DevIdp.AUDIENCE);
    for (String client : new String[] {"ios", "android", "web", "tv"}) {
      var bundle = ClasspathBundles.load(client, name -> env.getOrDefault(name, System.getenv(name))).withPort(0);
      Bff.RunningBff bff = Bff.start(vertx, bundle).await(10, TimeUnit.SECONDS);
      ports.put(client, bff.port());
      bffs.put(client, bff);
    }
    http = new Http(vertx);
    http.defaultHeader("authorization", "Bearer " + token("u1", "read"));
    warmUp();
  }

  /** A token from the dev IdP's HTTP endpoint, as a user of the demo gets one. */
  private static String token(String sub, String scope) {
    Http.Resp r = new Http(vertx).get(idp.port(), "/token?sub=" + sub + "&scope=" + scope.replace(" ", "%20"));
    assertEquals(200, r.status(), r.body().toString());
    return r.json().getString("access_token");
  }

  @Test
  @org.junit.jupiter.api.Order(0)
  void screensNeedATokenAndTakeTheUserFromIt() {
    Http.Resp anonymous = http.get(ports.get("ios"), "/v1/screens/home", "authorization", null);
    assertEquals(401, anonymous.status(), anonymous.body().toString());
    assertEquals("Bearer realm=\"ios\"", http.header(ports.get("ios"), "/v1/screens/home", "www-authenticate", "authorization", null));
    Http.Resp bad = http.get(ports.get("ios"), "/v1/screens/home", "authorization", "Bearer x.y.z");
    assertEquals(401, bad.status());
    // The user comes from the token's sub, whatever the client claims in x-user-id.
    Http.Resp u7 = http.get(ports.get("ios"), "/v1/screens/home", "authorization", "bearer " + token("u7", "read"),
        "x-user-id", "u1");
    assertEquals(200, u7.status(), u7.body().toString());
    assertEquals("u7", u7.json().getJsonObject("data").getJsonObject("me").getString("id"));
    // The web dashboard needs the read scope.
    Http.Resp noScope = http.get(ports.get("web"), "/v1/screens/dashboard", "authorization", "Bearer " + token("u1", "profile"));
    assertEquals(403, noScope.status(), noScope.body().toString());
    assertEquals(200, http.get(ports.get("ios"), "/healthz", "authorization", null).status());
    // EdDSA (Ed25519) and ES256 tokens from the dev IdP work too (both verified on a worker).
    for (String alg : new String[] {"EdDSA", "ES256"}) {
      Http.Resp r = new Http(vertx).get(idp.port(), "/token?sub=u9&alg=" + alg);
      assertEquals(200, r.status(), r.body().toString());
      String t = r.json().getString("access_token");
      Http.Resp home = http.get(ports.get("ios"), "/v1/screens/home", "authorization", "Bearer " + t);
      assertEquals(200, home.status(), alg + ": " + home.body());
      assertEquals("u9", home.json().getJsonObject("data").getJsonObject("me").getString("id"));
    }
    assertEquals(400, new Http(vertx).get(idp.port(), "/token?alg=HS256").status());
  }

  @Test
  void androidTakesOpaqueTokensTheDevIdentityProviderIntrospects() {
    Http.Resp minted = new Http(vertx).get(idp.port(), "/token?sub=u12&type=opaque");
    assertEquals(200, minted.status(), minted.body().toString());
    String opaque = minted.json().getString("access_token");
    assertTrue(opaque.startsWith("dev-opaque-"), opaque);
    Http.Resp home = http.get(ports.get("android"), "/v1/screens/home", "authorization", "Bearer " + opaque);
    assertEquals(200, home.status(), home.body().toString());
    assertEquals("u12", home.json().getJsonObject("data").getJsonObject("profile").getString("id"));
    Http.Resp unknown = http.get(ports.get("android"), "/v1/screens/home", "authorization", "Bearer dev-opaque-unknown");
    assertEquals(401, unknown.status(), unknown.body().toString());
    // The iOS BFF does not introspect: an opaque token is a malformed JWT there.
    assertEquals(401, http.get(ports.get("ios"), "/v1/screens/home", "authorization", "Bearer " + opaque).status());
  }

  /**
   * These tests assert steady-state behaviour: the first calls of a fresh JVM (class loading, JIT,
   * the first HTTP/2 connection to a gRPC service) can miss a field's tight @timeout on a busy
   * machine, so every screen is called until it answers complete (bounded) before they start.
   */
  private static void warmUp() {
    Map<String, String> screens = Map.of("ios", "/v1/screens/home", "android", "/v1/screens/home",
        "web", "/v1/screens/dashboard", "tv", "/v1/screens/home");
    screens.forEach((client, uri) -> {
      for (int i = 0; i < 20; i++) {
        Http.Resp r = http.get(ports.get(client), uri);
        if (r.status() == 200 && !r.json().containsKey("errors")) break;
      }
    });
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void calm() {
    for (String s : DemoServices.NAMES) services.service(s).chaos(DemoService.Chaos.NONE);
    services.service(DemoServices.POSTS_REPLICA).chaos(DemoService.Chaos.NONE);
  }

  private JsonObject screen(String client, String uri) {
    Http.Resp r = http.get(ports.get(client), uri);
    assertEquals(200, r.status(), r.body().toString());
    return r.json();
  }

  @Test
  void screensPullRecommendationsAndUnreadCountsOverGrpc() {
    int recsBefore = services.grpc("recommendations-grpc").calls();
    int notifBefore = services.grpc("notifications-grpc").calls();
    JsonObject ios = screen("ios", "/v1/screens/home");
    assertNull(ios.getValue("errors"), ios.encode());
    assertEquals(7, ios.getJsonObject("data").getInteger("unreadCount"), "u1 has 7 unread (gRPC GetCount)");
    JsonObject rec = ios.getJsonObject("data").getJsonArray("recommendations").getJsonObject(0);
    assertTrue(rec.getString("image").endsWith("320x180.jpg"), rec.encode());
    assertEquals(recsBefore + 1, services.grpc("recommendations-grpc").calls());
    assertEquals(notifBefore + 1, services.grpc("notifications-grpc").calls());
  }

  @Test
  void webTranscodesRestToGrpcAndBridgesGrpcWeb() throws Exception {
    Http.Resp rest = http.get(ports.get("web"), "/rest/v1/users/u1/recommendations?limit=2");
    assertEquals(200, rest.status(), rest.body().toString());
    assertEquals(2, rest.json().getJsonArray("items").size());
    Http.Resp count = http.get(ports.get("web"), "/rest/v1/users/u1/notifications:unreadCount");
    assertEquals(new JsonObject().put("count", 7), count.json());
    Http.Resp missing = http.get(ports.get("web"), "/rest/v1/users/nobody/notifications:unreadCount");
    assertEquals(404, missing.status());
    assertEquals("NOT_FOUND", missing.json().getString("status"));

    byte[] req = dev.bffkit.schemas.notify.v1.GetCountRequest.newBuilder().setUserId("u1").build().toByteArray();
    io.vertx.core.buffer.Buffer frame = io.vertx.core.buffer.Buffer.buffer().appendByte((byte) 0).appendInt(req.length)
        .appendBytes(req);
    Http.Resp web = Http.await(http.send(io.vertx.core.http.HttpMethod.POST, ports.get("web"),
        "/notify.v1.Notifications/GetCount", Map.of("content-type", "application/grpc-web+proto", "x-grpc-web", "1"), frame));
    assertEquals(200, web.status());
    int len = web.body().getInt(1);
    assertEquals(0, web.body().getByte(0), "a data frame first");
    var reply = dev.bffkit.schemas.notify.v1.GetCountResponse.parseFrom(web.body().getBytes(5, 5 + len));
    assertEquals(7, reply.getCount());
    assertTrue(web.body().getString(5 + len + 5, web.body().length()).contains("grpc-status:0"), "OK in the trailers");
  }

  @Test
  void everyClientAnswersItsOwnScreenWithoutErrors() {
    JsonObject ios = screen("ios", "/v1/screens/home");
    assertNull(ios.getValue("errors"), ios.encode());
    JsonObject data = ios.getJsonObject("data");
    assertEquals(Set.of("me", "feed", "unreadCount", "recommendations", "sponsored", "profileViews"), data.fieldNames());
    assertEquals(10, data.getJsonArray("feed").size());
    assertTrue(data.getJsonObject("me").getString("avatar").endsWith("/64.jpg"), "iOS gets the small avatar");
    assertNotNull(data.getJsonArray("feed").getJsonObject(0).getJsonObject("author").getString("name"));

    JsonObject android = screen("android", "/v1/screens/home");
    assertNull(android.getValue("errors"), android.encode());
    assertTrue(android.getJsonObject("data").containsKey("timeline"), "Android has its own shape");

    JsonObject web = screen("web", "/v1/screens/dashboard");
    assertNull(web.getValue("errors"), web.encode());
    JsonArray feed = web.getJsonObject("data").getJsonObject("feed").getJsonArray("items");
    assertEquals(50, feed.size(), "web dashboard is rich: 50 posts");

    JsonObject tv = screen("tv", "/v1/screens/home");
    assertNull(tv.getValue("errors"), tv.encode());
    JsonObject page1 = screen("tv", "/v1/screens/home?page=1");
    assertTrue(!tv.getJsonObject("data").getValue("rows").equals(page1.getJsonObject("data").getValue("rows")),
        "TV pages through rows");
  }

  @Test
  void webDashboardBatchesFiftyPostAuthorsIntoOneUsersCall() {
    JsonObject before = usersRoutes();
    screen("web", "/v1/screens/dashboard");
    JsonObject after = usersRoutes();
    long batches = after.getLong("GET /users?ids", 0L) - before.getLong("GET /users?ids", 0L);
    long singles = after.getLong("GET /users/{id}", 0L) - before.getLong("GET /users/{id}", 0L);
    // One batched call for the 50 feed authors, one for the notification actors; the viewer is
    // the only single-user call.
    assertEquals(2, batches, after.encode());
    assertEquals(1, singles, after.encode());
  }

  @Test
  void tvMyListBatchesEightTilesIntoOneGrpcCall() {
    var recs = services.grpc("recommendations-grpc");
    int lists = recs.calls("ListSaved");
    int batches = recs.calls("BatchGetRecs");
    int singles = recs.calls("GetRec");
    JsonObject tv = screen("tv", "/v1/screens/home");
    assertNull(tv.getValue("errors"), tv.encode());
    JsonArray myList = tv.getJsonObject("data").getJsonArray("myList");
    assertEquals(8, myList.size(), tv.encode());
    for (int i = 0; i < myList.size(); i++) {
      JsonObject tile = myList.getJsonObject(i).getJsonObject("tile");
      assertNotNull(tile, "every saved item has its tile: " + myList.encode());
      assertTrue(tile.getString("image").endsWith("1280x720.jpg"), tile.encode());
    }
    assertEquals(lists + 1, recs.calls("ListSaved"));
    assertEquals(batches + 1, recs.calls("BatchGetRecs"), "8 tiles, one gRPC batch call");
    assertEquals(singles, recs.calls("GetRec"), "no single calls");
  }

  @Test
  void tvHomeDefersRowsAndMyListForMultipartClients() {
    JsonObject whole = screen("tv", "/v1/screens/home");
    Http.Resp r = http.get(ports.get("tv"), "/v1/screens/home", "accept", "multipart/mixed;deferSpec=20220824,application/json");
    assertEquals(200, r.status(), r.body().toString());
    assertEquals("multipart/mixed;boundary=\"graphql\";deferSpec=20220824", r.contentType());
    String body = r.body().toString();
    assertTrue(body.startsWith("\r\n--graphql\r\n") && body.endsWith("\r\n--graphql--\r\n"), body);
    java.util.List<JsonObject> parts = new java.util.ArrayList<>();
    for (String part : body.substring(0, body.length() - "\r\n--graphql--\r\n".length()).split("\r\n--graphql\r\n")) {
      if (part.isEmpty()) continue;
      parts.add(new JsonObject(part.substring(part.indexOf("\r\n\r\n") + 4)));
    }
    JsonObject initial = parts.get(0);
    assertTrue(initial.getBoolean("hasNext"), body);
    JsonObject data = initial.getJsonObject("data");
    assertEquals(Set.of("me", "unreadCount"), data.fieldNames(), "rows and myList come later: " + body);
    Set<String> labels = new java.util.HashSet<>();
    for (JsonObject p : parts.subList(1, parts.size())) {
      for (Object o : p.getJsonArray("incremental", new JsonArray())) {
        JsonObject inc = (JsonObject) o;
        labels.add(inc.getString("label"));
        assertEquals(new JsonArray(), inc.getJsonArray("path"));
        assertNull(inc.getValue("errors"), body);
        inc.getJsonObject("data").forEach(e -> data.put(e.getKey(), e.getValue()));
      }
    }
    assertEquals(Set.of("rows", "myList"), labels);
    assertEquals(false, parts.get(parts.size() - 1).getBoolean("hasNext"));
    // Merged, the parts hold what the one-piece answer holds.
    assertEquals(whole.getJsonObject("data").fieldNames(), data.fieldNames());
    assertEquals(whole.getJsonObject("data").getJsonObject("me"), data.getJsonObject("me"));
    assertEquals(3, data.getJsonObject("rows").getJsonArray("rows").size(), body);
    assertEquals(8, data.getJsonArray("myList").size(), body);
  }

  private JsonObject usersRoutes() {
    return services.service("users").stats().getJsonObject("routes");
  }

  @Test
  @org.junit.jupiter.api.Order(1) // before the tests that fail all of posts (ejections and the retry budget outlast them)
  void iosHomeHasNoErrorsWhenOnePostsReplicaFails() {
    http.call(HttpMethod.PUT, services.port(DemoServices.POSTS_REPLICA), "/_chaos", "{\"errorRate\": 1}");
    for (int i = 0; i < 30; i++) {
      JsonObject body = screen("ios", "/v1/screens/home");
      assertNull(body.getValue("errors"), body.encode());
      assertEquals(10, body.getJsonObject("data").getJsonArray("feed").size());
    }
    assertEquals("closed", bffs.get("ios").upstreams().get("posts").breakerState());
  }

  @Test
  void iosHomeAnswersAtOnceWithAPartialResponseWhenThePostsBreakerIsOpen() throws Exception {
    http.call(HttpMethod.PUT, services.port("posts"), "/_chaos", "{\"errorRate\": 1}");
    http.call(HttpMethod.PUT, services.port(DemoServices.POSTS_REPLICA), "/_chaos", "{\"errorRate\": 1}");
    var posts = bffs.get("ios").upstreams().get("posts");
    for (int i = 0; i < 20 && !posts.breakerState().equals("open"); i++) screen("ios", "/v1/screens/home");
    assertEquals("open", posts.breakerState());
    long served = services.service("posts").stats().getLong("requests", 0L);
    Http.Resp r = http.get(ports.get("ios"), "/v1/screens/home");
    assertEquals(200, r.status());
    JsonObject body = r.json();
    assertNotNull(body.getJsonObject("data").getJsonObject("me"));
    JsonObject error = body.getJsonArray("errors").getJsonObject(0);
    assertEquals("posts unavailable, breaker open", error.getString("message"));
    assertEquals(served, services.service("posts").stats().getLong("requests", 0L), "nothing sent to posts");
    recoverPostsBreaker();
  }

  /** So the other tests see a closed breaker: it half-opens after resetTimeout, then one probe closes it. */
  private void recoverPostsBreaker() throws Exception {
    calm();
    var posts = bffs.get("ios").upstreams().get("posts");
    for (int i = 0; i < 400 && !posts.breakerState().equals("closed"); i++) {
      Thread.sleep(25);
      if (posts.breakerState().equals("half_open")) http.get(ports.get("ios"), "/v1/screens/home");
    }
    assertEquals("closed", posts.breakerState());
  }

  @Test
  void iosHomeStillAnswersWhenPostsFailsEverything() throws Exception {
    http.call(HttpMethod.PUT, services.port("posts"), "/_chaos", "{\"errorRate\": 1}");
    http.call(HttpMethod.PUT, services.port(DemoServices.POSTS_REPLICA), "/_chaos", "{\"errorRate\": 1}");
    Http.Resp r = http.get(ports.get("ios"), "/v1/screens/home");
    assertEquals(200, r.status());
    JsonObject body = r.json();
    assertNotNull(body.getJsonObject("data").getJsonObject("me"));
    assertNull(body.getJsonObject("data").getValue("feed"));
    JsonObject error = body.getJsonArray("errors").getJsonObject(0);
    assertEquals(new JsonArray().add("feed"), error.getJsonArray("path"));
    assertEquals("posts", error.getJsonObject("extensions").getString("service"));
    recoverPostsBreaker();
  }
}
