package dev.bffkit.core.portal.keys;

import static dev.bffkit.core.portal.keys.KeysFixture.api;
import static dev.bffkit.core.portal.keys.KeysFixture.call;
import static dev.bffkit.core.portal.keys.KeysFixture.create;
import static dev.bffkit.core.portal.keys.KeysFixture.within1s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.ratelimit.redis.RedisServer;
import dev.bffkit.core.security.ApiKeys;
import dev.bffkit.core.security.TestIdp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Self-service keys end to end on real BFFs: a developer signed in with the test identity provider
 * makes a key on the admin listener, calls the client port with it (200, metered), and revokes or
 * rotates it; a second BFF sharing the store (a file, or a real redis-server) follows within a
 * second. The store never holds a key.
 */
class SelfServiceKeysTest {
  @TempDir Path tmp;
  private Vertx vertx;
  private HttpServer upstream;
  private TestIdp idp;
  private RedisServer redis;
  private final List<Bff.RunningBff> bffs = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> req.response().end("up"))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    idp = new TestIdp().start(vertx);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Bff.RunningBff b : bffs) b.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
    if (redis != null) redis.close();
  }

  private Bff.RunningBff bff(String store) throws Exception {
    Bff.RunningBff b = KeysFixture.start(vertx, tmp.resolve("b" + bffs.size()),
        KeysFixture.yaml(upstream.actualPort(), idp.issuer, store, ""));
    bffs.add(b);
    return b;
  }

  @Test
  void aFileStoredKeyWorksIsMeteredAndIsRefusedWithin1sOfItsRevocation() throws Exception {
    Path file = tmp.resolve("shared/keys.json");
    Bff.RunningBff b = bff("{ file: \"" + file + "\" }");
    String dev = idp.rs256("dev-1");

    JsonObject made = create(b, dev, "my app", "pro");
    String secret = made.getString("secret");
    String id = made.getJsonObject("key").getString("id");
    assertTrue(secret.startsWith("bffk_") && secret.length() == 5 + 43, secret);
    assertEquals(secret.substring(secret.length() - 4), made.getJsonObject("key").getString("last4"));

    for (int i = 0; i < 3; i++) assertEquals(200, call(b, secret));
    assertEquals(401, call(b, secret + "x"));
    JsonObject listed = listed(b, dev, id);
    assertEquals("pro", listed.getString("tier"));
    assertEquals(3L, listed.getLong("requests"), "the metering counter of the key: " + listed);
    assertFalse(listed.containsKey("secret") || listed.containsKey("sha256"), listed.encode());

    String stored = Files.readString(file);
    assertFalse(stored.contains(secret) || stored.contains(secret.substring(5)), "the store holds no key");
    assertTrue(stored.contains(ApiKeys.sha256Hex(secret)), "only its hash: " + stored);

    HttpResponse<String> revoked = api(b, "DELETE", "/portal/keys/" + id, dev, null, null);
    assertEquals(200, revoked.statusCode(), revoked.body());
    within1s(b, secret, s -> s == 401, "a revoked key");
    assertNotEquals(null, listed(b, dev, id).getString("revoked"));
    assertEquals(404, api(b, "POST", "/portal/keys/" + id + "/rotate", dev, "application/json", "{}").statusCode(),
        "a revoked key cannot be rotated back to life");
  }

  @Test
  void twoBffsSharingAFileSeeEachOthersKeysWithin1s() throws Exception {
    Path file = tmp.resolve("shared/keys.json");
    sharedStore("{ file: \"" + file + "\" }");
    assertFalse(Files.readString(file).contains("bffk_"), "the file holds hashes only");
  }

  @Test
  void twoBffsSharingRedisSeeEachOthersKeysWithin1s() throws Exception {
    redis = RedisServer.start();
    sharedStore("{ redis: { url: \"" + redis.url() + "\" } }");
  }

  /** Made on one BFF, works on the other; rotated on the other, the old secret refused on the first; revoked. */
  private void sharedStore(String store) throws Exception {
    Bff.RunningBff a = bff(store);
    Bff.RunningBff b = bff(store);
    String dev = idp.rs256("dev-2");
    JsonObject made = create(a, dev, "shared", "free");
    String secret = made.getString("secret");
    String id = made.getJsonObject("key").getString("id");
    assertEquals(200, call(a, secret));
    within1s(b, secret, s -> s == 200, "a key made on the other BFF");

    HttpResponse<String> rotated = api(b, "POST", "/portal/keys/" + id + "/rotate", dev, "application/json", "{}");
    assertEquals(200, rotated.statusCode(), rotated.body());
    String next = new JsonObject(rotated.body()).getString("secret");
    assertNotEquals(secret, next);
    assertEquals(401, call(b, secret), "the old secret is refused where it was rotated at once");
    within1s(a, secret, s -> s == 401, "the old secret on the other BFF");
    within1s(a, next, s -> s == 200, "the new secret on the other BFF");

    assertEquals(200, api(a, "DELETE", "/portal/keys/" + id, dev, null, null).statusCode());
    within1s(b, next, s -> s == 401, "a key revoked on the other BFF");
  }

  private static JsonObject listed(Bff.RunningBff b, String dev, String id) throws Exception {
    HttpResponse<String> r = api(b, "GET", "/portal/keys", dev, null, null);
    assertEquals(200, r.statusCode(), r.body());
    JsonArray keys = new JsonObject(r.body()).getJsonArray("keys");
    for (Object o : keys) if (id.equals(((JsonObject) o).getString("id"))) return (JsonObject) o;
    throw new AssertionError("key " + id + " not listed: " + r.body());
  }

  @Test
  void theStoreFileIsRelativeToTheBundleFolder() throws Exception {
    Bff.RunningBff b = bff("{ file: keys.json }");
    create(b, idp.rs256("dev-3"), "relative", "free");
    assertTrue(Files.readString(tmp.resolve("b0/keys.json")).contains("relative"), "keys.json in the bundle folder");
  }
}
