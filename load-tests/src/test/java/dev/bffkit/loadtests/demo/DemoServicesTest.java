package dev.bffkit.loadtests.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class DemoServicesTest {
  static DemoServices services;
  static Http http;

  @BeforeAll
  static void start(Vertx vertx) {
    services = Http.await(DemoServices.start(vertx, 0));
    http = new Http(vertx);
  }

  @AfterAll
  static void stop() {
    Http.await(services.close());
  }

  static int port(String s) {
    return services.port(s);
  }

  @Test
  void allSixListenOnDistinctEphemeralPortsAndAreHealthy() {
    Set<Integer> ports = new HashSet<>();
    for (String s : DemoServices.NAMES) {
      int p = port(s);
      assertTrue(p > 0, s);
      ports.add(p);
      Http.Resp r = http.get(p, "/health");
      assertEquals(200, r.status());
      assertEquals("application/json", r.contentType());
      assertEquals(new JsonObject().put("status", "UP"), r.json());
    }
    assertEquals(6, ports.size());
    assertEquals("http://127.0.0.1:" + port("users"), services.envUrls().get("USERS_URL"));
    for (String g : DemoServices.GRPC_NAMES) {
      assertTrue(ports.add(port(g)), g + " has its own port");
      assertEquals("http://127.0.0.1:" + port(g), services.envUrls().get(DemoServices.GRPC_ENV_VARS.get(g)));
    }
    assertEquals(10, services.envUrls().size());
  }

  @Test
  void userHasTheDocumentedShape() {
    Http.Resp r = http.get(port("users"), "/users/u1");
    assertEquals(200, r.status());
    JsonObject u = r.json();
    for (String f : List.of("id", "name", "handle", "bio", "verified", "followers", "following", "joinedAt", "avatar")) {
      assertTrue(u.containsKey(f), f);
    }
    assertEquals("u1", u.getString("id"));
    assertEquals("https://img.example/u1/64.jpg", u.getJsonObject("avatar").getString("small"));
    assertNotNull(u.getJsonObject("avatar").getString("medium"));
    assertNotNull(u.getJsonObject("avatar").getString("large"));
    assertTrue(u.getValue("verified") instanceof Boolean);
    assertTrue(u.getValue("followers") instanceof Number);
  }

  @Test
  void unknownUserIs404Json() {
    Http.Resp r = http.get(port("users"), "/users/u999");
    assertEquals(404, r.status());
    assertEquals("not-found", r.json().getString("error"));
    assertEquals(404, http.get(port("users"), "/nope").status());
  }

  @Test
  void usersBatchKeepsOrderSkipsUnknownDedupesAndDecodes() {
    JsonArray a = http.get(port("users"), "/users?ids=u3,u1,nobody,u3").array();
    assertEquals(2, a.size());
    assertEquals("u3", a.getJsonObject(0).getString("id"));
    assertEquals("u1", a.getJsonObject(1).getString("id"));
    JsonArray b = http.get(port("users"), "/users?ids=u7%2Cu8").array();
    assertEquals(List.of("u7", "u8"), List.of(b.getJsonObject(0).getString("id"), b.getJsonObject(1).getString("id")));
    assertEquals(http.get(port("users"), "/users/u7").json(), b.getJsonObject(0));
    assertEquals(400, http.get(port("users"), "/users").status());
  }

  @Test
  void feedPagesWithCursorAndHasSeveralAuthors() {
    JsonObject page = http.get(port("posts"), "/users/u1/feed?limit=50").json();
    JsonArray items = page.getJsonArray("items");
    assertEquals(50, items.size());
    Set<String> authors = new HashSet<>();
    String prev = null;
    for (int i = 0; i < items.size(); i++) {
      JsonObject p = items.getJsonObject(i);
      for (String f : List.of("id", "authorId", "text", "createdAt", "likes", "reposts", "replies", "tags", "media")) {
        assertTrue(p.containsKey(f), f);
      }
      assertNotEquals("u1", p.getString("authorId"));
      authors.add(p.getString("authorId"));
      if (prev != null) {
        assertTrue(prev.compareTo(p.getString("createdAt")) >= 0, "newest first");
      }
      prev = p.getString("createdAt");
    }
    assertTrue(authors.size() >= 5 && authors.size() <= 10, "authors: " + authors);
    String cursor = page.getString("nextCursor");
    assertNotNull(cursor);

    JsonObject next = http.get(port("posts"), "/users/u1/feed?limit=50&cursor=" + cursor).json();
    assertNotEquals(items.getJsonObject(0).getString("id"), next.getJsonArray("items").getJsonObject(0).getString("id"));
    assertTrue(next.getJsonArray("items").getJsonObject(0).getString("createdAt").compareTo(prev) <= 0);

    assertEquals(20, http.get(port("posts"), "/users/u1/feed").json().getJsonArray("items").size());
    assertEquals(100, http.get(port("posts"), "/users/u1/feed?limit=1000").json().getJsonArray("items").size());
    JsonObject last = http.get(port("posts"), "/users/u1/feed?limit=100&cursor=100").json();
    assertNull(last.getValue("nextCursor"));
    assertEquals(400, http.get(port("posts"), "/users/u1/feed?limit=abc").status());
    assertEquals(400, http.get(port("posts"), "/users/u1/feed?cursor=xyz").status());
    assertEquals(404, http.get(port("posts"), "/users/u404/feed").status());
  }

  @Test
  void postByIdMediaShapeAndAuthorPosts() {
    JsonObject p = http.get(port("posts"), "/posts/p1").json();
    assertEquals("p1", p.getString("id"));
    assertEquals(404, http.get(port("posts"), "/posts/p0").status());
    JsonArray own = http.get(port("posts"), "/users/u5/posts?limit=100").json().getJsonArray("items");
    assertEquals(DemoData.POSTS_PER_USER, own.size());
    own.forEach(o -> assertEquals("u5", ((JsonObject) o).getString("authorId")));
    boolean sawMedia = false;
    for (int i = 1; i <= 30; i++) {
      JsonArray media = http.get(port("posts"), "/posts/p" + i).json().getJsonArray("media");
      for (Object m : media) {
        JsonObject mo = (JsonObject) m;
        assertTrue(mo.getString("url").startsWith("https://"));
        assertTrue(mo.getInteger("width") > 0 && mo.getInteger("height") > 0);
        sawMedia = true;
      }
    }
    assertTrue(sawMedia);
  }

  @Test
  void createPostEchoesWithNewId() {
    Http.Resp r = http.call(HttpMethod.POST, port("posts"), "/posts", "{\"authorId\":\"u2\",\"text\":\"hello\",\"tags\":[\"demo\"]}");
    assertEquals(201, r.status());
    JsonObject p = r.json();
    assertTrue(p.getString("id").matches("p\\d+"));
    assertEquals("/posts/" + p.getString("id"), r.location());
    assertEquals("hello", p.getString("text"));
    assertEquals("u2", p.getString("authorId"));
    assertEquals(new JsonArray().add("demo"), p.getJsonArray("tags"));
    Http.Resp again = http.call(HttpMethod.POST, port("posts"), "/posts", "{\"text\":\"again\"}");
    assertNotEquals(p.getString("id"), again.json().getString("id"));
    assertEquals(400, http.call(HttpMethod.POST, port("posts"), "/posts", "not json").status());
    assertEquals(400, http.call(HttpMethod.POST, port("posts"), "/posts", "{\"authorId\":\"u1\"}").status());
  }

  @Test
  void recommendationsAndTvRows() {
    JsonArray items = http.get(port("recommendations"), "/recommendations?user=u1&limit=10").json().getJsonArray("items");
    assertEquals(10, items.size());
    double prev = 2;
    for (Object o : items) {
      JsonObject r = (JsonObject) o;
      for (String f : List.of("id", "title", "kind", "score", "reason", "image")) {
        assertTrue(r.containsKey(f), f);
      }
      assertTrue(List.of("video", "show", "article").contains(r.getString("kind")));
      assertNotNull(r.getJsonObject("image").getString("small"));
      assertNotNull(r.getJsonObject("image").getString("large"));
      assertTrue(r.getDouble("score") <= prev);
      prev = r.getDouble("score");
    }
    JsonObject rows = http.get(port("recommendations"), "/recommendations/rows?user=u1&page=0&rows=3&rowSize=8").json();
    assertEquals(3, rows.getJsonArray("rows").size());
    assertEquals(0, rows.getInteger("page"));
    assertTrue(rows.getBoolean("hasMore"));
    JsonObject row = rows.getJsonArray("rows").getJsonObject(0);
    assertNotNull(row.getString("title"));
    assertEquals(8, row.getJsonArray("items").size());
    JsonObject lastPage = http.get(port("recommendations"), "/recommendations/rows?user=u1&page=3&rows=3").json();
    assertFalse(lastPage.getBoolean("hasMore"));
    assertEquals(3, lastPage.getJsonArray("rows").size());
    assertEquals(0, http.get(port("recommendations"), "/recommendations/rows?user=u1&page=9").json()
        .getJsonArray("rows").size());
    assertEquals(404, http.get(port("recommendations"), "/recommendations?user=u404").status());
    assertEquals(400, http.get(port("recommendations"), "/recommendations").status());
  }

  @Test
  void notifications() {
    assertEquals(new JsonObject().put("count", 7),
        http.get(port("notifications"), "/users/u1/notifications/unread-count").json());
    JsonArray items = http.get(port("notifications"), "/users/u1/notifications?limit=5").json().getJsonArray("items");
    assertEquals(5, items.size());
    for (Object o : items) {
      JsonObject n = (JsonObject) o;
      for (String f : List.of("id", "kind", "text", "createdAt", "read")) {
        assertTrue(n.containsKey(f), f);
      }
      assertFalse(n.getBoolean("read"), "u1 has 7 unread, the 5 newest are unread");
    }
    JsonArray ten = http.get(port("notifications"), "/users/u1/notifications?limit=10").json().getJsonArray("items");
    assertTrue(ten.getJsonObject(9).getBoolean("read"));
    assertEquals(404, http.get(port("notifications"), "/users/u404/notifications/unread-count").status());
  }

  @Test
  void ads() {
    JsonArray ads = http.get(port("ads"), "/ads?placement=feed&user=u1&limit=2").json().getJsonArray("ads");
    assertEquals(2, ads.size());
    for (Object o : ads) {
      JsonObject a = (JsonObject) o;
      for (String f : List.of("id", "advertiser", "headline", "image", "clickUrl")) {
        assertNotNull(a.getString(f), f);
      }
    }
    assertEquals(1, http.get(port("ads"), "/ads").json().getJsonArray("ads").size());
    assertEquals(ads, http.get(port("ads"), "/ads?placement=feed&user=u1&limit=2").json().getJsonArray("ads"));
  }

  @Test
  void analyticsSummary() {
    JsonObject s = http.get(port("analytics"), "/users/u1/summary?days=7").json();
    for (String f : List.of("views", "likes", "followersGained", "topPostId", "series")) {
      assertTrue(s.containsKey(f), f);
    }
    JsonArray series = s.getJsonArray("series");
    assertEquals(7, series.size());
    long sum = 0;
    for (Object o : series) {
      sum += ((JsonObject) o).getLong("views");
      assertNotNull(((JsonObject) o).getString("day"));
    }
    assertEquals(sum, s.getLong("views"));
    assertEquals("u1", http.get(port("posts"), "/posts/" + s.getString("topPostId")).json().getString("authorId"));
    assertEquals(30, http.get(port("analytics"), "/users/u1/summary?days=30").json().getJsonArray("series").size());
    assertEquals(400, http.get(port("analytics"), "/users/u1/summary?days=0").status());
    assertEquals(404, http.get(port("analytics"), "/users/u404/summary").status());
  }
}
