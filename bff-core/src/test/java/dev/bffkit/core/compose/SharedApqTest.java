package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.ratelimit.redis.RedisServer;
import dev.bffkit.core.security.ApiKeys;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * APQ registrations shared by a fleet through a real redis-server ({@code redis.url}): a hash registered through
 * one BFF runs on another that never saw its query; what Redis holds is only a cache (a value whose SHA-256 is not
 * the hash never runs, and a query found there still meets this instance's limits); a Redis that hangs costs at
 * most its timeout, and the client is told to send its query, as Apollo clients do.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedApqTest {
  static final String SCHEMA = """
      type Query { me: Node @rest(service: "up", path: "/node") }
      type Node { id: ID next: Node }
      """;
  static final String NODE = "{\"id\":\"1\",\"next\":{\"id\":\"2\",\"next\":{\"id\":\"3\",\"next\":null}}}";

  @TempDir static Path dir;
  Vertx vertx;
  RedisServer redisServer;
  Redis redis;
  HttpServer upstream;
  HttpClient client;
  OnLoop loop;
  Bff.RunningBff a;
  Bff.RunningBff b;
  /** maxDepth 2: what a shared query must still pass. */
  Bff.RunningBff strict;

  record Answer(int status, String body) {
    String code() {
      JsonArray errors = new JsonObject(body).getJsonArray("errors");
      return errors == null ? null : errors.getJsonObject(0).getJsonObject("extensions").getString("code");
    }
  }

  @BeforeAll
  void start() throws Exception {
    redisServer = RedisServer.start();
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, redisServer.url());
    upstream = vertx.createHttpServer().requestHandler(req -> req.response().putHeader("content-type", "application/json")
        .end(NODE)).listen(0, "127.0.0.1").await();
    a = Bff.start(vertx, bundle("a", "")).await();
    b = Bff.start(vertx, bundle("b", "")).await();
    strict = Bff.start(vertx, bundle("strict", "limits: { graphql: { maxDepth: 2 } }")).await();
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    loop = new OnLoop(vertx.getOrCreateContext());
  }

  @AfterAll
  void stop() throws Exception {
    if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
    if (redisServer != null) redisServer.close();
  }

  ClientBundle bundle(String name, String more) throws Exception {
    Path folder = dir.resolve(name);
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("bff.yaml"), """
        name: fleet
        server: { host: 127.0.0.1, port: 0, instances: 2 }
        services:
          up: { endpoints: ["http://127.0.0.1:%d"] }
        redis: { url: "%s", keyPrefix: "apqtest:", timeout: 100ms, apqTtl: 1h }
        %s
        """.formatted(upstream.actualPort(), redisServer.url(), more));
    Files.writeString(folder.resolve("schema.graphqls"), SCHEMA);
    return BundleLoader.load(folder, Map.<String, String>of()::get);
  }

  Answer post(Bff.RunningBff bff, JsonObject body) throws Exception {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(bff.port()).setMethod(HttpMethod.POST)
        .setURI("/graphql").putHeader("content-type", "application/json");
    return loop.run(() -> client.request(o).compose(req -> req.send(Buffer.buffer(body.encode())))
            .compose(resp -> resp.body().map(x -> new Answer(resp.statusCode(), x.toString()))))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static JsonObject hashOnly(String hash) {
    return new JsonObject().put("extensions",
        new JsonObject().put("persistedQuery", new JsonObject().put("version", 1).put("sha256Hash", hash)));
  }

  static JsonObject withQuery(String query) {
    return hashOnly(ApiKeys.sha256Hex(query)).put("query", query);
  }

  Response redis(Request r) throws Exception {
    return loop.run(() -> redis.send(r)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aHashRegisteredThroughOneInstanceRunsOnAnother() throws Exception {
    String query = "{ me { id next { id } } }";
    String hash = ApiKeys.sha256Hex(query);
    assertEquals("PERSISTED_QUERY_NOT_FOUND", post(b, hashOnly(hash)).code(), "nobody knows it yet");
    Answer registered = post(a, withQuery(query));
    assertEquals(200, registered.status(), registered.body());
    String expected = "{\"data\":{\"me\":{\"id\":\"1\",\"next\":{\"id\":\"2\"}}}}";
    // The write is fire-and-forget: within a second b finds it, on both of its event loops.
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    Answer hit = post(b, hashOnly(hash));
    while (hit.code() != null && System.nanoTime() < until) hit = post(b, hashOnly(hash));
    assertEquals(new JsonObject(expected), new JsonObject(hit.body()), hit.body());
    for (int i = 0; i < 4; i++) assertEquals(new JsonObject(expected), new JsonObject(post(b, hashOnly(hash)).body()));
    long ttl = redis(Request.cmd(Command.TTL).arg("apqtest:apq:fleet:" + hash)).toLong();
    assertTrue(ttl > 3000 && ttl <= 3600, "the registration lives apqTtl (1h) in Redis: " + ttl);
  }

  @Test
  void aValueThatIsNotTheHashsQueryNeverRuns() throws Exception {
    String asked = "{ me { id } }";
    String hash = ApiKeys.sha256Hex(asked);
    // Someone with access to Redis writes another query under the hash.
    redis(Request.cmd(Command.SET).arg("apqtest:apq:fleet:" + hash).arg("{ me { next { next { id } } } }"));
    Answer a1 = post(a, hashOnly(hash));
    assertEquals("PERSISTED_QUERY_NOT_FOUND", a1.code(), a1.body());
  }

  @Test
  void aQueryFoundInRedisStillMeetsThisInstancesLimits() throws Exception {
    String deep = "{ me { next { next { id } } } }";
    assertEquals(200, post(a, withQuery(deep)).status(), "a allows depth 4");
    String hash = ApiKeys.sha256Hex(deep);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (redis(Request.cmd(Command.EXISTS).arg("apqtest:apq:fleet:" + hash)).toInteger() == 0 && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    Answer refused = post(strict, hashOnly(hash));
    assertEquals(400, refused.status(), refused.body());
    assertEquals("QUERY_TOO_DEEP", refused.code());
  }

  @Test
  void aHungRedisCostsItsTimeoutAndTheClientResendsItsQuery() throws Exception {
    String query = "{ me { next { id } } }";
    String hash = ApiKeys.sha256Hex(query);
    redisServer.pause();
    try {
      long t0 = System.nanoTime();
      Answer miss = post(a, hashOnly(hash));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertEquals("PERSISTED_QUERY_NOT_FOUND", miss.code(), miss.body());
      assertTrue(ms < 1500, "answered within the lookup's timeout (100 ms) and a margin: " + ms + " ms");
      Answer resent = post(a, withQuery(query));
      assertEquals(200, resent.status(), "the query itself runs without Redis: " + resent.body());
      assertEquals(200, post(a, hashOnly(hash)).status(), "and this instance has learnt it");
    } finally {
      redisServer.resume();
    }
  }

  @Test
  void withoutRedisEachInstanceKeepsItsOwn() {
    PersistedQueries alone = new PersistedQueries();
    String q = "{ me { id } }";
    assertTrue(alone.register(ApiKeys.sha256Hex(q), q));
    assertNull(alone.lookup(ApiKeys.sha256Hex("{ other }")).result(), "no fleet: a local miss completes at once");
    assertEquals(q, alone.lookup(ApiKeys.sha256Hex(q)).result());
  }
}
