package dev.bffkit.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.security.TestIdp;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * (Named *Test, not *IT: surefire runs it; failsafe is not bound in this build.) The field cache in a real BFF (two event loops, JWT auth, the admin listener) against a real service that counts
 * its calls: hits and misses, one call for 100 concurrent misses, stale-while-revalidate and stale-if-error on the
 * clock, private answers kept per caller, the screen's Cache-Control and ETag, the admin API and the metrics, and a
 * leader whose client leaves while followers still get the answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FieldCacheBffTest {
  static final String TOKEN = "field-cache-admin-token-0123456789";
  static final String SCHEMA = """
      type Query {
        rows: Page @rest(service: "up", path: "/rows?user={ctx.sub}")
          @cache(maxAge: "30s", staleWhileRevalidate: "60s", staleIfError: "5m", tags: ["recommendations"])
        mine: Page @rest(service: "up", path: "/mine") @cache(maxAge: "30s")
        news: News @rest(service: "up", path: "/news") @cache(maxAge: "60s", scope: PUBLIC)
        catalog(lang: String = "en"): News @rest(service: "up", path: "/catalog?lang={args.lang}")
          @cache(maxAge: "5m", scope: PUBLIC, tags: ["catalog"])
        gated(id: String!): News @rest(service: "up", path: "/gated/{args.id}") @cache(maxAge: "30s", scope: PUBLIC)
        fast: News @rest(service: "up", path: "/fast") @cache(maxAge: "1s", scope: PUBLIC, staleWhileRevalidate: "10s")
        fragile: News @rest(service: "up", path: "/fragile") @cache(maxAge: "1s", scope: PUBLIC, staleIfError: "2s")
        plain: News @rest(service: "up", path: "/plain")
        broken: News @rest(service: "up", path: "/broken") @cache(maxAge: "5m", scope: PUBLIC)
      }
      type Page { user: String n: Int items: [Item] }
      type Item { id: ID }
      type News { title: String n: Int }
      """;

  @TempDir static Path dir;
  Vertx vertx;
  TestIdp idp;
  HttpServer upstream;
  HttpClient client;
  OnLoop loop;
  Bff.RunningBff bff;

  final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  final List<String> newsIdentity = new CopyOnWriteArrayList<>();
  final Map<String, Promise<Void>> gates = new ConcurrentHashMap<>();
  final List<Boolean> gatedEnds = new CopyOnWriteArrayList<>();
  volatile int fragileStatus = 200;
  volatile long fastDelayMs = 0;

  record Answer(int status, MultiMap headers, String body) {
    JsonObject json() { return new JsonObject(body); }
  }

  int calls(String path) {
    AtomicInteger n = calls.get(path);
    return n == null ? 0 : n.get();
  }

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    idp = new TestIdp().start(vertx);
    upstream = vertx.createHttpServer().requestHandler(this::serve).listen(0, "127.0.0.1").await();
    bff = Bff.start(vertx, bundle()).await();
    client = vertx.httpClientBuilder().with(new HttpClientOptions())
        .with(new PoolOptions().setHttp1MaxSize(128)).build();
    loop = new OnLoop(vertx.getOrCreateContext());
    // /readyz waits for the JWKS: before it a token is unverifiable (a busy machine took over 2 s once).
    until(() -> {
      try {
        return send(HttpMethod.GET, bff.adminPort(), "/readyz", null).await(5, TimeUnit.SECONDS).status() == 200;
      } catch (Exception e) {
        return false;
      }
    }, "the identity provider's keys");
  }

  @AfterAll
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private void serve(HttpServerRequest req) {
    String path = req.path();
    String counted = path.startsWith("/rows") ? "/rows?user=" + req.getParam("user") : path;
    int n = calls.computeIfAbsent(counted, k -> new AtomicInteger()).incrementAndGet();
    String user = req.getHeader("x-user-id");
    req.response().putHeader("content-type", "application/json");
    switch (path) {
      case "/rows" -> req.response().end(new JsonObject().put("user", req.getParam("user")).put("n", n)
          .put("items", new JsonArray().add(new JsonObject().put("id", "a")).add(new JsonObject().put("id", "b"))).encode());
      // Personalised by the identity header only: the path is the same for everyone.
      case "/mine" -> req.response().end(new JsonObject().put("user", user).put("n", n).encode());
      case "/news" -> {
        newsIdentity.add(String.valueOf(user));
        req.response().end(new JsonObject().put("title", "hello").put("n", n).encode());
      }
      case "/fast" -> vertx.setTimer(Math.max(1, fastDelayMs),
          t -> req.response().end(new JsonObject().put("title", "fast").put("n", n).encode()));
      case "/broken" -> req.response().end(n == 1 ? "{\"title\": not json" : "{\"title\":\"fixed\",\"n\":" + n + "}");
      case "/fragile" -> {
        if (fragileStatus != 200) req.response().setStatusCode(fragileStatus).end("{\"error\":\"internal detail\"}");
        else req.response().end(new JsonObject().put("title", "fragile").put("n", n).encode());
      }
      default -> {
        if (path.startsWith("/gated/")) {
          gates.computeIfAbsent(path, k -> Promise.promise()).future().onComplete(x -> req.response()
              .end(new JsonObject().put("title", path).put("n", n).encode()).onComplete(ar -> gatedEnds.add(ar.succeeded())));
        } else {
          req.response().end(new JsonObject().put("title", path).put("n", n).encode());
        }
      }
    }
  }

  ClientBundle bundle() throws Exception {
    Path folder = dir.resolve("bff");
    Files.createDirectories(folder.resolve("screens"));
    Files.writeString(folder.resolve("bff.yaml"), """
        name: cached
        server: { host: 127.0.0.1, port: 0, instances: 2 }
        admin: { host: 127.0.0.1, port: 0, token: "%s" }
        composition: { deadline: 5s }
        services:
          up: { endpoints: ["http://127.0.0.1:%d"], timeout: 4s }
        auth:
          required: false
          issuers: [{ issuer: "%s", jwksUrl: "%s", audiences: [bff], algorithms: [RS256] }]
          claimsToHeaders: { sub: x-user-id }
        """.formatted(TOKEN, upstream.actualPort(), idp.issuer, idp.jwksUrl()));
    Files.writeString(folder.resolve("schema.graphqls"), SCHEMA);
    Map<String, String> screens = Map.of(
        "home", "query Home { rows { user n items { id } } }",
        "mine", "query Mine { mine { user n } }",
        "news", "query News { news { title n } }",
        "both", "query Both { rows { user n } news { title } }",
        "mixed", "query Mixed { news { title } plain { title } }",
        "catalog", "query Catalog($lang: String) { catalog(lang: $lang) { title n } }",
        "gated", "query Gated($id: String!) { gated(id: $id) { title n } }",
        "fast", "query Fast { fast { n } }",
        "fragile", "query Fragile { fragile { title n } }",
        "broken", "query Broken { broken { title n } }");
    for (var s : screens.entrySet()) Files.writeString(folder.resolve("screens/" + s.getKey() + ".graphql"), s.getValue());
    return BundleLoader.load(folder, Map.<String, String>of()::get);
  }

  Future<Answer> send(HttpMethod method, int port, String uri, String body, String... headers) {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(port).setMethod(method).setURI(uri);
    for (int i = 0; i < headers.length; i += 2) o.addHeader(headers[i], headers[i + 1]);
    return loop.run(() -> client.request(o)
        .compose(r -> body == null ? r.send() : r.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), resp.headers(), b.toString()))));
  }

  Answer screen(String name, String token, String... headers) throws Exception {
    List<String> h = new ArrayList<>(List.of(headers));
    if (token != null) {
      h.add("authorization");
      h.add("Bearer " + token);
    }
    return send(HttpMethod.GET, bff.port(), "/v1/screens/" + name, null, h.toArray(String[]::new))
        .await(10, TimeUnit.SECONDS);
  }

  Answer admin(HttpMethod method, String path, String body, boolean withToken) throws Exception {
    return send(method, bff.adminPort(), path, body, withToken ? new String[] {"authorization", "Bearer " + TOKEN}
        : new String[0]).await(10, TimeUnit.SECONDS);
  }

  JsonObject fieldCounts(String field) throws Exception {
    JsonObject fields = admin(HttpMethod.GET, "/cache", null, true).json().getJsonObject("fields");
    return fields.getJsonObject(field, new JsonObject());
  }

  static void until(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(10);
    }
  }

  // ------------------------------------------------------------------ hits, misses, selections

  @Test
  void aSecondRequestIsAnsweredFromTheCacheAndEverySelectionSharesTheEntry() throws Exception {
    String u1 = idp.rs256("hits-user");
    Answer first = screen("home", u1);
    assertEquals(200, first.status(), first.body());
    assertEquals("hits-user", first.json().getJsonObject("data").getJsonObject("rows").getString("user"));
    Answer second = screen("home", u1);
    assertEquals(first.body(), second.body());
    assertEquals(1, calls("/rows?user=hits-user"));
    // Ad-hoc, another selection of the same field: the same entry, parsed for this selection (plan executor) ...
    Answer adhoc = send(HttpMethod.POST, bff.port(), "/graphql", "{\"query\":\"{ rows { n items { id } } }\"}",
        "authorization", "Bearer " + u1, "content-type", "application/json").await(10, TimeUnit.SECONDS);
    assertEquals(new JsonObject("{\"data\":{\"rows\":{\"n\":1,\"items\":[{\"id\":\"a\"},{\"id\":\"b\"}]}}}"), adhoc.json());
    // ... and graphql-java's (a directive makes the query leave the plans).
    Answer gj = send(HttpMethod.POST, bff.port(), "/graphql",
        "{\"query\":\"{ rows @include(if: true) { user } }\"}", "authorization", "Bearer " + u1,
        "content-type", "application/json").await(10, TimeUnit.SECONDS);
    assertEquals(new JsonObject("{\"data\":{\"rows\":{\"user\":\"hits-user\"}}}"), gj.json());
    assertEquals(1, calls("/rows?user=hits-user"), "every selection, both executors: one call");
  }

  // ------------------------------------------------------------------ single flight

  @Test
  void aHundredConcurrentMissesMakeOneCall() throws Exception {
    double coalescedBefore = fieldCounts("Query.gated").getLong("coalesced", 0L);
    List<Future<Answer>> answers = new ArrayList<>();
    for (int i = 0; i < 100; i++) answers.add(send(HttpMethod.GET, bff.port(), "/v1/screens/gated?id=crowd", null));
    until(() -> calls("/gated/crowd") == 1, "the first call");
    until(() -> {
      try {
        return fieldCounts("Query.gated").getLong("coalesced") - coalescedBefore == 99;
      } catch (Exception e) {
        return false;
      }
    }, "99 followers");
    assertEquals(1, calls("/gated/crowd"));
    gates.get("/gated/crowd").complete();
    String body = null;
    for (Future<Answer> f : answers) {
      Answer a = f.await(10, TimeUnit.SECONDS);
      assertEquals(200, a.status(), a.body());
      if (body == null) body = a.body();
      assertEquals(body, a.body());
    }
    assertEquals("{\"data\":{\"gated\":{\"title\":\"/gated/crowd\",\"n\":1}}}", body);
    assertEquals(1, calls("/gated/crowd"), "exactly one upstream call for 100 requests");
  }

  @Test
  void aLeaderWhoseClientLeavesStillAnswersItsFollowers() throws Exception {
    long coalescedBefore = fieldCounts("Query.gated").getLong("coalesced", 0L);
    NetSocket leader = loop.run(() -> vertx.createNetClient().connect(bff.port(), "127.0.0.1"))
        .await(10, TimeUnit.SECONDS);
    leader.write("GET /v1/screens/gated?id=left HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    until(() -> calls("/gated/left") == 1, "the leader's call");
    loop.run(leader::close).await(10, TimeUnit.SECONDS);
    Thread.sleep(300); // time for a cancellation to reach the service, were it sent
    List<Future<Answer>> followers = new ArrayList<>();
    for (int i = 0; i < 2; i++) followers.add(send(HttpMethod.GET, bff.port(), "/v1/screens/gated?id=left", null));
    until(() -> {
      try {
        return fieldCounts("Query.gated").getLong("coalesced") - coalescedBefore == 2;
      } catch (Exception e) {
        return false;
      }
    }, "2 followers");
    int ended = gatedEnds.size();
    gates.get("/gated/left").complete();
    for (Future<Answer> f : followers) {
      Answer a = f.await(10, TimeUnit.SECONDS);
      assertEquals(200, a.status(), a.body());
      assertEquals("{\"data\":{\"gated\":{\"title\":\"/gated/left\",\"n\":1}}}", a.body());
    }
    until(() -> gatedEnds.size() > ended, "the service's answer");
    assertTrue(gatedEnds.get(ended), "the service's answer was read, not cancelled");
    assertEquals(1, calls("/gated/left"));
  }

  // ------------------------------------------------------------------ windows

  @Test
  void staleWhileRevalidateAnswersAtOnceAndRefreshesOnceInTheBackground() throws Exception {
    assertEquals(200, screen("fast", null).status());
    int filled = calls("/fast");
    Thread.sleep(1100); // past maxAge 1s, within swr 10s
    fastDelayMs = 1500;
    long t0 = System.nanoTime();
    Answer stale = screen("fast", null);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertEquals(filled, stale.json().getJsonObject("data").getJsonObject("fast").getInteger("n"), stale.body());
    assertTrue(ms < 1000, "served without waiting for the 1.5 s service: " + ms + " ms");
    for (int i = 0; i < 5; i++) screen("fast", null); // while the refresh is in flight: stale, no new call
    until(() -> calls("/fast") == filled + 1, "the refresh");
    Thread.sleep(1700); // the refresh answers after 1.5 s
    assertEquals(filled + 1, calls("/fast"), "exactly one background call for six stale answers");
    fastDelayMs = 0;
    Answer fresh = screen("fast", null);
    assertEquals(filled + 1, fresh.json().getJsonObject("data").getJsonObject("fast").getInteger("n"));
    assertTrue(fieldCounts("Query.fast").getLong("stale") >= 6);
  }

  @Test
  void staleIfErrorCoversAFailingServiceWithinItsWindowAndSaysSo() throws Exception {
    fragileStatus = 200;
    Answer good = screen("fragile", null);
    assertEquals(200, good.status(), good.body());
    int n = good.json().getJsonObject("data").getJsonObject("fragile").getInteger("n");
    Thread.sleep(1200); // past maxAge 1s, within staleIfError 2s
    fragileStatus = 500;
    Answer stale = screen("fragile", null);
    assertEquals(200, stale.status(), stale.body());
    assertEquals(n, stale.json().getJsonObject("data").getJsonObject("fragile").getInteger("n"));
    JsonObject note = stale.json().getJsonObject("extensions").getJsonObject("cache").getJsonArray("stale")
        .getJsonObject(0);
    assertEquals("Query.fragile", note.getString("field"));
    assertEquals("UPSTREAM_ERROR", note.getString("reason"));
    assertEquals(1, note.getInteger("ageSeconds"));
    assertNull(stale.json().getJsonArray("errors"));
    assertEquals("private, no-cache", stale.headers().get("cache-control"), "a stale answer is never cached downstream");
    // A 4xx is the request's fault: never covered by a stale answer.
    fragileStatus = 404;
    Answer notFound = screen("fragile", null);
    assertNotNull(notFound.json().getJsonArray("errors"), notFound.body());
    assertNull(notFound.json().getJsonObject("extensions"));
    // Past the window the failure shows.
    fragileStatus = 500;
    Thread.sleep(2000);
    Answer failed = screen("fragile", null);
    assertNotNull(failed.json().getJsonArray("errors"), failed.body());
    assertFalse(failed.body().contains("internal detail"));
    fragileStatus = 200;
  }

  @Test
  void anAnswerTheFieldCannotReadIsNotServedAgain() throws Exception {
    Answer bad = screen("broken", null);
    assertNotNull(bad.json().getJsonArray("errors"), bad.body());
    assertEquals("private, no-cache", bad.headers().get("cache-control"));
    Answer good = screen("broken", null);
    assertEquals("{\"data\":{\"broken\":{\"title\":\"fixed\",\"n\":2}}}", good.body());
    assertEquals(2, calls("/broken"), "the unreadable answer was dropped, not served for 5 minutes");
    screen("broken", null);
    assertEquals(2, calls("/broken"), "the good one is kept");
  }

  // ------------------------------------------------------------------ private and public

  @Test
  void privateAnswersAreNeverServedToAnotherCaller() throws Exception {
    String u1 = idp.rs256("alice");
    String u2 = idp.rs256("bob");
    Answer a1 = screen("mine", u1);
    Answer b1 = screen("mine", u2);
    Answer a2 = screen("mine", u1);
    Answer b2 = screen("mine", u2);
    assertEquals("alice", a1.json().getJsonObject("data").getJsonObject("mine").getString("user"));
    assertEquals("bob", b1.json().getJsonObject("data").getJsonObject("mine").getString("user"));
    assertEquals(a1.body(), a2.body());
    assertEquals(b1.body(), b2.body());
    assertNotEquals(a1.body(), b1.body());
    int calls = calls("/mine");
    // Anonymous callers bypass a PRIVATE field: each one calls the service, and never sees a cached answer.
    Answer anon1 = screen("mine", null);
    Answer anon2 = screen("mine", null);
    assertEquals(calls + 2, calls("/mine"));
    assertNull(anon1.json().getJsonObject("data").getJsonObject("mine").getString("user"));
    assertNotEquals(anon1.body(), anon2.body());
    assertTrue(fieldCounts("Query.mine").getLong("bypass") >= 2);
    assertEquals("private, no-cache", anon1.headers().get("cache-control"));
  }

  @Test
  void publicAnswersAreFetchedWithoutTheCallersIdentity() throws Exception {
    // Whoever fills it, the service never learns who asked: its answer cannot be personalised.
    admin(HttpMethod.POST, "/cache/invalidate", "{\"prefix\":\"up GET /news\"}", true);
    newsIdentity.clear();
    assertEquals(200, screen("news", idp.rs256("carol")).status());
    assertEquals(List.of("null"), newsIdentity);
  }

  // ------------------------------------------------------------------ Cache-Control and ETag

  @Test
  void theScreensCacheControlIsTheMostRestrictiveOfItsFields() throws Exception {
    Answer anon = screen("news", null);
    Matcher pub = Pattern.compile("public, max-age=(\\d+)").matcher(anon.headers().get("cache-control"));
    assertTrue(pub.matches(), anon.headers().get("cache-control"));
    int maxAge = Integer.parseInt(pub.group(1));
    assertTrue(maxAge > 0 && maxAge <= 60, "what is left of maxAge 60s: " + maxAge);
    // The same PUBLIC field for a caller with credentials: private (a shared cache must not keep it).
    assertTrue(screen("news", idp.rs256("dave")).headers().get("cache-control").startsWith("private, max-age="));
    // PRIVATE rows (30s, swr 60s) with PUBLIC news (60s, no swr): private, the least of each.
    String dave = idp.rs256("dave");
    screen("both", dave);
    String both = screen("both", dave).headers().get("cache-control");
    assertTrue(both.matches("private, max-age=(30|29|28)"), both);
    // A field without @cache: as without the cache.
    assertEquals("private, no-cache", screen("mixed", null).headers().get("cache-control"));
  }

  @Test
  void etagAnd304AreUnchanged() throws Exception {
    Answer first = screen("news", null);
    String etag = first.headers().get("etag");
    assertNotNull(etag);
    assertTrue(etag.startsWith("W/\""), etag);
    Answer again = screen("news", null, "if-none-match", etag);
    assertEquals(304, again.status());
    assertEquals("", again.body());
    assertEquals(200, screen("news", null, "if-none-match", "W/\"other\"").status());
  }

  // ------------------------------------------------------------------ admin and metrics

  @Test
  void adminInvalidatesByPrefixAndByTagBehindItsToken() throws Exception {
    screen("catalog?lang=en", null);
    screen("catalog?lang=fr", null);
    int en = calls("/catalog");
    screen("catalog?lang=en", null);
    assertEquals(en, calls("/catalog"), "cached");

    assertEquals(401, admin(HttpMethod.POST, "/cache/invalidate", "{\"tag\":\"catalog\"}", false).status());
    assertEquals(401, admin(HttpMethod.GET, "/cache", null, false).status());
    screen("catalog?lang=en", null);
    assertEquals(en, calls("/catalog"), "a refused invalidation dropped nothing");

    for (String bad : List.of("", "[]", "{}", "{\"prefix\":1}", "{\"tag\":\"\"}", "{\"prefix\":\"a\",\"tag\":\"b\"}",
        "not json", "{\"tag\":\"" + "x".repeat(2000) + "\"}")) {
      Answer r = admin(HttpMethod.POST, "/cache/invalidate", bad, true);
      assertEquals(400, r.status(), bad + " -> " + r.body());
    }
    assertEquals(413, admin(HttpMethod.POST, "/cache/invalidate", "{\"tag\":\"" + "x".repeat(5000) + "\"}", true).status());

    Answer byPrefix = admin(HttpMethod.POST, "/cache/invalidate", "{\"prefix\":\"up GET /catalog?lang=en\"}", true);
    assertEquals(200, byPrefix.status(), byPrefix.body());
    assertEquals(1, byPrefix.json().getInteger("local"));
    assertTrue(byPrefix.json().containsKey("redis"));
    screen("catalog?lang=en", null);
    assertEquals(en + 1, calls("/catalog"), "en was dropped");
    screen("catalog?lang=fr", null);
    assertEquals(en + 1, calls("/catalog"), "fr was not");

    Answer byTag = admin(HttpMethod.POST, "/cache/invalidate", "{\"tag\":\"catalog\"}", true);
    assertEquals(2, byTag.json().getInteger("local"), byTag.body());
    screen("catalog?lang=fr", null);
    assertEquals(en + 2, calls("/catalog"));
    Answer auto = admin(HttpMethod.POST, "/cache/invalidate", "{\"tag\":\"field:Query.catalog\"}", true);
    assertEquals(1, auto.json().getInteger("local"), "the automatic field tag: " + auto.body());

    JsonObject stats = admin(HttpMethod.GET, "/cache", null, true).json();
    assertTrue(stats.getLong("entries") >= 0 && stats.getLong("bytes") >= 0, stats.encode());
    assertTrue(stats.getJsonObject("fields").containsKey("Query.catalog"));
  }

  @Test
  void metricsCountByFieldAndResultNeverByKeyOrUser() throws Exception {
    String erin = idp.rs256("erin");
    screen("home", erin);
    screen("home", erin);
    String metrics = admin(HttpMethod.GET, "/metrics", null, true).body();
    assertTrue(count(metrics, "Query.rows", "hit") >= 1, metrics);
    assertTrue(count(metrics, "Query.rows", "miss") >= 1);
    assertTrue(metrics.contains("bff_field_cache_requests_total{"), "made at start-up for every field");
    assertTrue(count(metrics, "Query.fragile", "coalesced") >= 0);
    assertTrue(metrics.contains("bff_field_cache_bytes"), metrics);
    assertTrue(metrics.contains("bff_field_cache_invalidations_total"), metrics);
    for (String line : metrics.split("\n")) {
      if (line.startsWith("bff_field_cache")) {
        assertFalse(line.contains("erin") || line.contains("/rows") || line.contains("up GET"), line);
      }
    }
  }

  static double count(String metrics, String field, String result) {
    Matcher m = Pattern.compile("bff_field_cache_requests_total\\{[^}]*field=\"" + Pattern.quote(field)
        + "\"[^}]*result=\"" + result + "\"[^}]*} ([0-9.E+-]+)").matcher(metrics);
    if (!m.find()) throw new AssertionError("no " + field + " " + result + " in\n" + metrics);
    return Double.parseDouble(m.group(1));
  }
}
