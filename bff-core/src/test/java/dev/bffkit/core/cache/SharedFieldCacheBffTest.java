package dev.bffkit.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.ratelimit.redis.RedisServer;
import dev.bffkit.core.security.TestIdp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The field cache's Redis tier shared by two BFF instances (two {@code Bff.start}, one real redis-server) in front
 * of one service that counts its calls: what one instance fetched the other serves without calling (PUBLIC, and
 * PRIVATE for the same user only); an admin invalidation on one clears the other's local copy through pub/sub; a
 * killed Redis leaves both answering, quickly, from their own tier and the service; a restarted one is shared again,
 * and what was invalidated while it was away is not served. Tests run in order: the last two kill and restart Redis.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SharedFieldCacheBffTest {
  static final String TOKEN = "shared-field-cache-admin-token-0123";
  static final String KEYS = "sfc:fc:shared:";
  static final String CHANNEL = KEYS + "invalidate";
  static final String SCHEMA = """
      type Query {
        pub(id: String!): Doc @rest(service: "up", path: "/pub/{args.id}")
          @cache(maxAge: "5m", scope: PUBLIC, tags: ["pub"])
        other(id: String!): Doc @rest(service: "up", path: "/other/{args.id}")
          @cache(maxAge: "5m", scope: PUBLIC, tags: ["other"])
        mine(id: String!): Doc @rest(service: "up", path: "/mine/{args.id}") @cache(maxAge: "5m")
      }
      type Doc { title: String user: String n: Int }
      """;

  @TempDir static Path dir;
  Vertx vertx;
  RedisServer redisServer;
  Redis redis;
  TestIdp idp;
  HttpServer upstream;
  HttpClient client;
  OnLoop loop;
  Bff.RunningBff a;
  Bff.RunningBff b;
  String alice;
  String bob;

  final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

  record Answer(int status, String body) {
    JsonObject doc(String field) {
      return new JsonObject(body).getJsonObject("data").getJsonObject(field);
    }
  }

  int calls(String path) {
    AtomicInteger n = calls.get(path);
    return n == null ? 0 : n.get();
  }

  @BeforeAll
  void start() throws Exception {
    redisServer = RedisServer.start(); // skips the class where /usr/bin/redis-server is missing
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, redisServer.url());
    idp = new TestIdp().start(vertx);
    upstream = vertx.createHttpServer().requestHandler(this::serve).listen(0, "127.0.0.1").await();
    a = Bff.start(vertx, bundle("a")).await();
    b = Bff.start(vertx, bundle("b")).await();
    client = vertx.httpClientBuilder().with(new HttpClientOptions())
        .with(new PoolOptions().setHttp1MaxSize(32)).build();
    loop = new OnLoop(vertx.getOrCreateContext());
    alice = idp.rs256("alice");
    bob = idp.rs256("bob");
    until(() -> subscribers() == 2, "both instances subscribed to " + CHANNEL);
    for (Bff.RunningBff bff : List.of(a, b)) until(() -> ready(bff), "the identity provider's keys on " + bff.port());
  }

  /** /readyz waits for the JWKS: before it a token is unverifiable, and a busy machine can take seconds. */
  boolean ready(Bff.RunningBff bff) {
    try {
      return send(HttpMethod.GET, bff.adminPort(), "/readyz", null).await(5, TimeUnit.SECONDS).status() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  @AfterAll
  void stop() throws Exception {
    if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
    if (redisServer != null) redisServer.close();
  }

  /** Answers {title, user (the identity header: PRIVATE fields are personalised by it alone), n (its count)}. */
  private void serve(HttpServerRequest req) {
    int n = calls.computeIfAbsent(req.path(), k -> new AtomicInteger()).incrementAndGet();
    req.response().putHeader("content-type", "application/json").end(new JsonObject().put("title", req.path())
        .put("user", req.getHeader("x-user-id")).put("n", n).encode());
  }

  /** Two instances of one BFF (same name, so the same keys): the shared tier on the fleet's redis.url. */
  ClientBundle bundle(String instance) throws Exception {
    Path folder = dir.resolve(instance);
    Files.createDirectories(folder.resolve("screens"));
    // A lookup's budget of 500 ms, not the 20 ms default: two other builds share this machine's 2 cores, and a
    // lookup that times out would call the service and fail the "no call" assertions for the wrong reason.
    Files.writeString(folder.resolve("bff.yaml"), """
        name: shared
        server: { host: 127.0.0.1, port: 0, instances: 2 }
        admin: { host: 127.0.0.1, port: 0, token: "%s" }
        composition: { deadline: 5s, cache: { redis: { enabled: true, timeout: 500ms } } }
        services:
          up: { endpoints: ["http://127.0.0.1:%d"], timeout: 4s }
        redis: { url: "%s", keyPrefix: "sfc:", timeout: 500ms }
        auth:
          required: false
          issuers: [{ issuer: "%s", jwksUrl: "%s", audiences: [bff], algorithms: [RS256] }]
          claimsToHeaders: { sub: x-user-id }
        """.formatted(TOKEN, upstream.actualPort(), redisServer.url(), idp.issuer, idp.jwksUrl()));
    Files.writeString(folder.resolve("schema.graphqls"), SCHEMA);
    for (String f : List.of("pub", "other", "mine")) {
      Files.writeString(folder.resolve("screens/" + f + ".graphql"),
          "query Q($id: String!) { " + f + "(id: $id) { title user n } }");
    }
    return BundleLoader.load(folder, Map.<String, String>of()::get);
  }

  // ------------------------------------------------------------------ helpers

  Future<Answer> send(HttpMethod method, int port, String uri, String body, String... headers) {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(port).setMethod(method).setURI(uri);
    for (int i = 0; i < headers.length; i += 2) o.addHeader(headers[i], headers[i + 1]);
    return loop.run(() -> client.request(o)
        .compose(r -> body == null ? r.send() : r.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(x -> new Answer(resp.statusCode(), x.toString()))));
  }

  /** {@code field(id)} through a screen of {@code bff}, as {@code token}'s user (null: anonymous); must be 200. */
  JsonObject get(Bff.RunningBff bff, String field, String id, String token) throws Exception {
    String[] h = token == null ? new String[0] : new String[] {"authorization", "Bearer " + token};
    Answer r = send(HttpMethod.GET, bff.port(), "/v1/screens/" + field + "?id=" + id, null, h)
        .await(10, TimeUnit.SECONDS);
    assertEquals(200, r.status(), r.body());
    assertNull(new JsonObject(r.body()).getJsonArray("errors"), r.body());
    return r.doc(field);
  }

  Answer admin(Bff.RunningBff bff, HttpMethod method, String path, String body) throws Exception {
    return send(method, bff.adminPort(), path, body, "authorization", "Bearer " + TOKEN).await(10, TimeUnit.SECONDS);
  }

  Answer invalidate(Bff.RunningBff bff, String what, String value) throws Exception {
    return admin(bff, HttpMethod.POST, "/cache/invalidate", new JsonObject().put(what, value).encode());
  }

  /** {@code bff_field_cache_redis_total{result}} as {@code bff} scrapes it. */
  double redisCount(Bff.RunningBff bff, String result) throws Exception {
    String metrics = admin(bff, HttpMethod.GET, "/metrics", null).body();
    Matcher m = Pattern.compile("bff_field_cache_redis_total\\{[^}]*result=\"" + result + "\"[^}]*} ([0-9.E+-]+)")
        .matcher(metrics);
    if (!m.find()) throw new AssertionError("no bff_field_cache_redis_total{result=\"" + result + "\"} in\n" + metrics);
    return Double.parseDouble(m.group(1));
  }

  long localEntries(Bff.RunningBff bff) throws Exception {
    return new JsonObject(admin(bff, HttpMethod.GET, "/cache", null).body()).getLong("entries");
  }

  Response redis(Request r) throws Exception {
    return loop.run(() -> redis.send(r)).await(5, TimeUnit.SECONDS);
  }

  /** The entries in Redis whose cache key starts with {@code keyPrefix} (tests only: KEYS walks everything). */
  List<String> shared(String keyPrefix) {
    try {
      List<String> out = new ArrayList<>();
      for (Response k : redis(Request.cmd(Command.KEYS).arg(KEYS + keyPrefix + "*"))) out.add(k.toString());
      return out;
    } catch (Exception e) {
      return List.of();
    }
  }

  long subscribers() {
    try {
      return redis(Request.cmd(Command.PUBSUB).arg("NUMSUB").arg(CHANNEL)).get(1).toLong();
    } catch (Exception e) {
      return -1;
    }
  }

  /** Writes are fire and forget: wait until this many entries of the key prefix have landed. */
  void landed(String keyPrefix, int n) throws InterruptedException {
    until(() -> shared(keyPrefix).size() == n, n + " shared entries under " + keyPrefix);
  }

  static void until(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(20);
    }
  }

  // ------------------------------------------------------------------ 1. one fills, the other serves

  @Test
  @Order(1)
  void whatOneInstanceFetchedTheOtherServesWithoutCallingTheService() throws Exception {
    double hitsOnB = redisCount(b, "hit");
    JsonObject filled = get(a, "pub", "c1", null);
    assertEquals(1, calls("/pub/c1"));
    landed("up GET /pub/c1", 1);
    assertEquals(filled, get(b, "pub", "c1", null), "B serves A's answer (the same n)");
    assertEquals(1, calls("/pub/c1"), "B made no call: the entry came from Redis");
    assertEquals(filled, get(b, "pub", "c1", alice), "a PUBLIC entry serves a signed-in caller too");
    assertEquals(1, calls("/pub/c1"));

    JsonObject mine = get(a, "mine", "c1", alice);
    assertEquals("alice", mine.getString("user"));
    assertEquals(1, calls("/mine/c1"));
    landed("up GET /mine/c1", 1);
    assertEquals(mine, get(b, "mine", "c1", alice), "the same user's PRIVATE entry crosses instances");
    assertEquals(1, calls("/mine/c1"));
    assertEquals(hitsOnB + 2, redisCount(b, "hit"), "B's two misses were Redis hits (then B kept them locally)");
  }

  // ------------------------------------------------------------------ 2. private stays per user

  @Test
  @Order(2)
  void privateEntriesNeverCrossUsersAcrossInstances() throws Exception {
    JsonObject a1 = get(a, "mine", "p2", alice);
    landed("up GET /mine/p2", 1);
    // Bob asks the other instance for the same field and arguments: his own call, his own answer.
    JsonObject b1 = get(b, "mine", "p2", bob);
    assertEquals("bob", b1.getString("user"));
    assertEquals(2, calls("/mine/p2"), "Alice's shared entry was not Bob's");
    landed("up GET /mine/p2", 2);
    List<String> keys = shared("up GET /mine/p2");
    assertTrue(keys.stream().anyMatch(k -> k.endsWith("|alice")) && keys.stream().anyMatch(k -> k.endsWith("|bob")),
        "one entry per user, the caller in the key: " + keys);
    // Each now served from Redis on the instance that did not fetch it, still to its own user only.
    assertEquals(b1, get(a, "mine", "p2", bob));
    assertEquals(a1, get(b, "mine", "p2", alice));
    assertEquals(2, calls("/mine/p2"));
    assertEquals("alice", get(b, "mine", "p2", alice).getString("user"));
    assertEquals("bob", get(a, "mine", "p2", bob).getString("user"));
    // An anonymous caller bypasses a PRIVATE field on either instance: no shared entry is served to nobody.
    assertNull(get(b, "mine", "p2", null).getString("user"));
    assertNull(get(a, "mine", "p2", null).getString("user"));
    assertEquals(4, calls("/mine/p2"));
    assertEquals(2, shared("up GET /mine/p2").size(), "nothing stored for the anonymous calls");
  }

  // ------------------------------------------------------------------ 3. invalidation crosses instances

  @Test
  @Order(3)
  void anInvalidationOnOneInstanceClearsTheOthersLocalCopy() throws Exception {
    JsonObject first = get(a, "pub", "i3", null);
    get(a, "other", "i3", null);
    landed("up GET /pub/i3", 1);
    landed("up GET /other/i3", 1);
    assertEquals(first, get(b, "pub", "i3", null)); // now in B's local tier
    get(b, "other", "i3", null);
    assertEquals(1, calls("/pub/i3"));
    assertEquals(1, calls("/other/i3"));

    Answer dropped = invalidate(a, "tag", "pub");
    assertEquals(200, dropped.status(), dropped.body());
    JsonObject n = new JsonObject(dropped.body());
    assertTrue(n.getLong("local") >= 1 && n.getLong("redis") >= 1, "dropped on A and in Redis: " + n);
    assertEquals(List.of(), shared("up GET /pub/i3"));
    // Only pub/sub can reach B's local copy (Redis no longer has the entry, and maxAge is 5 minutes).
    until(() -> {
      try {
        return get(b, "pub", "i3", null).getInteger("n") == 2;
      } catch (Exception e) {
        return false;
      }
    }, "B to drop its local copy and fetch again");
    assertEquals(2, calls("/pub/i3"), "one new call");
    assertEquals(first.getString("title"), get(b, "pub", "i3", null).getString("title"));
    get(b, "other", "i3", null);
    assertEquals(1, calls("/other/i3"), "another tag's entry on B was left alone");
    // B's fresh answer is shared again: A, which dropped its own, takes it from Redis.
    landed("up GET /pub/i3", 1);
    assertEquals(2, get(a, "pub", "i3", null).getInteger("n"));
    assertEquals(2, calls("/pub/i3"));

    // By prefix, the other way round: B drops A's local copy of other(i3).
    Answer byPrefix = invalidate(b, "prefix", "up GET /other/i3");
    assertEquals(200, byPrefix.status(), byPrefix.body());
    assertEquals(1L, new JsonObject(byPrefix.body()).getLong("redis"), byPrefix.body());
    until(() -> {
      try {
        return get(a, "other", "i3", null).getInteger("n") == 2;
      } catch (Exception e) {
        return false;
      }
    }, "A to drop its local copy of other(i3)");
    assertEquals(2, calls("/other/i3"));
  }

  // ------------------------------------------------------------------ 4. Redis killed

  @Test
  @Order(4)
  void withRedisKilledBothInstancesAnswerFromTheirOwnTierAndTheServiceQuickly() throws Exception {
    get(a, "pub", "k4", null);
    landed("up GET /pub/k4", 1);
    get(b, "pub", "k4", null); // local on both now
    assertEquals(1, calls("/pub/k4"));
    double errorsA = redisCount(a, "error");
    double errorsB = redisCount(b, "error");

    redisServer.kill();
    long worst = 0;
    for (Bff.RunningBff bff : List.of(a, b)) {
      long t0 = System.nanoTime();
      assertEquals(1, get(bff, "pub", "k4", null).getInteger("n"), "from the instance's own tier");
      worst = Math.max(worst, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }
    assertEquals(1, calls("/pub/k4"), "no call for what either instance holds");
    // What neither holds: each asks Redis (refused at once), then the service, and answers.
    for (int i = 0; i < 5; i++) {
      for (Bff.RunningBff bff : List.of(a, b)) {
        long t0 = System.nanoTime();
        JsonObject d = get(bff, "mine", "k4-" + i, bob);
        worst = Math.max(worst, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        assertEquals("bob", d.getString("user"));
      }
      assertEquals(2, calls("/mine/k4-" + i), "each instance called once: nothing shared while Redis is down");
    }
    // Well within the lookup's budget (500 ms): a refused connection fails the lookup at once.
    System.out.println("event=measured slowest_answer_with_redis_down_ms=" + worst);
    assertTrue(worst < 500, "slowest answer with Redis down: " + worst + " ms");
    assertTrue(redisCount(a, "error") > errorsA, "A counted its failed lookups and writes");
    assertTrue(redisCount(b, "error") > errorsB, "B counted its failed lookups and writes");

    // An invalidation while Redis is down reaches A only, and says the fleet was not told.
    Answer lonely = invalidate(a, "tag", "pub");
    assertEquals(503, lonely.status(), lonely.body());
    JsonObject why = new JsonObject(lonely.body());
    assertTrue(why.getLong("local") >= 1, lonely.body());
    assertEquals("shared_invalidation_failed", why.getJsonObject("error").getString("code"), lonely.body());
    get(a, "pub", "k4", null);
    assertEquals(2, calls("/pub/k4"), "A dropped its own copy");
  }

  // ------------------------------------------------------------------ 5. Redis back

  @Test
  @Order(5)
  void withRedisRestartedSharingWorksAgainAndNothingInvalidatedMeanwhileIsServed() throws Exception {
    redisServer.restart();
    until(() -> subscribers() == 2, "both instances to subscribe again");
    // Messages published while an instance was unsubscribed are lost, so each dropped its local tier when it came
    // back: B no longer holds pub(k4), which A invalidated during the outage.
    until(() -> {
      try {
        return localEntries(a) == 0 && localEntries(b) == 0;
      } catch (Exception e) {
        return false;
      }
    }, "both local tiers dropped on resubscription");
    int before = calls("/pub/k4");
    assertNotEquals(1, get(b, "pub", "k4", null).getInteger("n"), "B does not serve what was invalidated");
    assertEquals(before + 1, calls("/pub/k4"));

    // Filled by A, served by B without a call, once Redis takes writes again.
    JsonObject filled = get(a, "pub", "r5", null);
    landed("up GET /pub/r5", 1);
    assertEquals(filled, get(b, "pub", "r5", null));
    assertEquals(1, calls("/pub/r5"));
    JsonObject mine = get(b, "mine", "r5", alice);
    landed("up GET /mine/r5", 1);
    assertEquals(mine, get(a, "mine", "r5", alice));
    assertEquals(1, calls("/mine/r5"));
    // And invalidations cross again.
    assertEquals(200, invalidate(a, "tag", "pub").status());
    until(() -> {
      try {
        return get(b, "pub", "r5", null).getInteger("n") == 2;
      } catch (Exception e) {
        return false;
      }
    }, "B to drop pub(r5) after A's invalidation");
    assertEquals(2, calls("/pub/r5"));
  }
}
