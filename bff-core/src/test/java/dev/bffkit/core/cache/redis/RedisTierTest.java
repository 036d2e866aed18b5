package dev.bffkit.core.cache.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.bffkit.core.OnLoop;
import dev.bffkit.core.cache.CachedEntry;
import dev.bffkit.core.cache.RemoteTier;
import dev.bffkit.core.cache.RemoteTier.Invalidation;
import dev.bffkit.core.ratelimit.redis.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Redis tier against a real redis-server: entries round-trip and expire with their lifetime; bytes that are not an
 * entry are a counted miss; a hung Redis costs a lookup its timeout and no more; a restarted Redis is used again and
 * the subscription comes back (with a full local clear, as messages may have been lost); invalidation by prefix takes
 * glob characters as text; by tag it reaches exactly the tagged entries; and two tiers on one Redis (two instances of
 * one BFF) share entries and hear each other's invalidations.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisTierTest {
  static final String PREFIX = "test:fc:web:";
  Vertx vertx;
  RedisServer server;
  Redis raw;
  OnLoop loop;
  SimpleMeterRegistry registry;
  RedisTier tier;
  BlockingQueue<Invalidation> heard = new LinkedBlockingQueue<>();

  @BeforeAll
  void start() throws Exception {
    server = RedisServer.start();
    vertx = Vertx.vertx();
    raw = Redis.createClient(vertx, server.url());
    loop = new OnLoop(vertx.getOrCreateContext());
    registry = new SimpleMeterRegistry();
    tier = RedisTier.start(vertx, settings(server, PREFIX, 50), "web", registry);
    tier.onInvalidation(heard::add);
    tier.subscribed().await(5, TimeUnit.SECONDS);
  }

  @AfterAll
  void stop() throws Exception {
    if (tier != null) tier.close();
    if (vertx != null) vertx.close().await();
    if (server != null) server.close();
  }

  static RedisTierSettings settings(RedisServer s, String prefix, long getTimeoutMs) {
    return new RedisTierSettings(s.url(), "standalone", null, prefix, getTimeoutMs, 500, 2000, 64 * 1024);
  }

  static CachedEntry entry(String value, long lifetimeMs, String... tags) {
    return new CachedEntry(Buffer.buffer(value), System.currentTimeMillis(), lifetimeMs / 2, lifetimeMs / 2, 0,
        Set.of(tags));
  }

  @Test
  void roundTripKeepsBytesWindowsAndTagsWithTheRemainingLifetime() throws Exception {
    byte[] binary = {0, (byte) 0xff, (byte) 0xc3, 0x28, '{', '}'}; // not UTF-8: the tier keeps bytes, not text
    CachedEntry e = new CachedEntry(Buffer.buffer(binary), System.currentTimeMillis(), 60_000, 30_000, 120_000,
        Set.of("field:Query.rows", "service:recs", "user:u1"));
    String key = "recs GET /rows?user=u1 @iss|u1";
    double hits = count("hit");
    double writes = count("write");
    loop.run(() -> { // as the field cache does: from an event loop, over its pipelined connection
      tier.put(key, e);
      return Future.succeededFuture();
    });
    CachedEntry got = eventually(() -> get(tier, key));
    eventually(() -> count("write") == writes + 1 ? true : null);
    assertArrayEquals(binary, got.value().getBytes());
    assertEquals(e.storedAtMillis(), got.storedAtMillis());
    assertEquals(60_000, got.maxAgeMillis());
    assertEquals(30_000, got.staleWhileRevalidateMillis());
    assertEquals(120_000, got.staleIfErrorMillis());
    assertEquals(e.tags(), got.tags());
    assertEquals(hits + 1, count("hit"));
    // PX is what is left of maxAge + the longer stale window (180 s), not maxAge alone
    long pttl = redis(Request.cmd(Command.PTTL).arg(PREFIX + key)).toLong();
    assertTrue(pttl > 170_000 && pttl <= 180_000, "pttl " + pttl);
    for (String t : e.tags()) {
      assertNotNull(redis(Request.cmd(Command.ZSCORE).arg(PREFIX + "tag:" + t).arg(PREFIX + key)), t);
      assertTrue(redis(Request.cmd(Command.PTTL).arg(PREFIX + "tag:" + t)).toLong() >= pttl - 1000, "tag set outlives");
    }
    double misses = count("miss");
    assertNull(get(tier, "recs GET /rows?user=nobody"));
    assertEquals(misses + 1, count("miss"));
  }

  @Test
  void entriesExpireWithTheirLifetimeAndExpiredOnesAreNotWritten() throws Exception {
    tier.put("ttl", entry("short", 300));
    assertNotNull(eventually(() -> get(tier, "ttl")));
    Thread.sleep(450);
    assertNull(get(tier, "ttl"));
    assertEquals(0L, redis(Request.cmd(Command.EXISTS).arg(PREFIX + "ttl")).toLong());

    double skipped = count("skipped");
    CachedEntry dead = new CachedEntry(Buffer.buffer("x"), System.currentTimeMillis() - 10_000, 1000, 0, 0, Set.of());
    tier.put("dead", dead);
    assertEquals(skipped + 1, count("skipped"));
    tier.put("big", entry("x".repeat(64 * 1024 + 1), 60_000)); // over maxEntryBytes once encoded
    assertEquals(skipped + 2, count("skipped"));
    Thread.sleep(100);
    assertEquals(0L, redis(Request.cmd(Command.EXISTS).arg(PREFIX + "dead").arg(PREFIX + "big")).toLong());
  }

  @Test
  void bytesThatAreNotAnEntryAreACountedMiss() throws Exception {
    Buffer good = EntryCodec.encode(entry("{\"a\":1}", 60_000, "t"));
    Buffer otherVersion = good.copy();
    otherVersion.setByte(0, (byte) 2);
    List<Buffer> bad = List.of(Buffer.buffer("garbage"), Buffer.buffer(), otherVersion,
        good.getBuffer(0, good.length() - 1), good.copy().appendByte((byte) 0));
    for (Buffer b : bad) {
      redis(Request.cmd(Command.SET).arg(PREFIX + "bad").arg(b));
      double corrupt = count("corrupt");
      assertNull(get(tier, "bad"), b.toString());
      assertEquals(corrupt + 1, count("corrupt"));
    }
    // another kind of value at the key (someone's hash): an error answered as a miss, never thrown
    redis(Request.cmd(Command.DEL).arg(PREFIX + "bad"));
    redis(Request.cmd(Command.HSET).arg(PREFIX + "bad").arg("f").arg("v"));
    double errors = count("error");
    assertNull(get(tier, "bad"));
    assertEquals(errors + 1, count("error"));
    // and a good entry written over the garbage is served again
    redis(Request.cmd(Command.DEL).arg(PREFIX + "bad"));
    tier.put("bad", entry("fixed", 60_000));
    assertEquals("fixed", eventually(() -> get(tier, "bad")).value().toString());
  }

  @Test
  void aHungRedisCostsALookupItsTimeoutAndNoMore() throws Exception {
    try (RedisServer own = RedisServer.start()) {
      SimpleMeterRegistry reg = new SimpleMeterRegistry();
      RedisTier t = RedisTier.start(vertx, settings(own, PREFIX, 50), "web", reg);
      try {
        t.put("k", entry("v", 60_000));
        assertNotNull(eventually(() -> get(t, "k")));
        own.pause();
        try {
          long worst = 0;
          List<Long> took = new ArrayList<>();
          for (int i = 0; i < 20; i++) {
            long start = System.nanoTime();
            assertNull(get(t, "k"));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            took.add(ms);
            worst = Math.max(worst, ms);
          }
          System.out.println("paused redis, get took ms: " + took);
          assertTrue(took.get(0) >= 45, "the first lookup waited for Redis: " + took);
          assertTrue(worst < 50 + 150, "a lookup answers within its timeout (+ scheduling): " + took);
          assertTrue(reg.get(RedisTierMeters.NAME).tag("result", "error").counter().count() >= 20);
        } finally {
          own.resume();
        }
        // the queued lookups drain and the tier answers again
        assertEquals("v", eventually(() -> get(t, "k")).value().toString());
      } finally {
        t.close();
      }
    }
  }

  @Test
  void aRestartedRedisIsUsedAgainAndTheSubscriptionComesBackWithAFullClear() throws Exception {
    try (RedisServer own = RedisServer.start()) {
      SimpleMeterRegistry reg = new SimpleMeterRegistry();
      RedisTier t = RedisTier.start(vertx, settings(own, PREFIX, 50), "web", reg);
      BlockingQueue<Invalidation> got = new LinkedBlockingQueue<>();
      t.onInvalidation(got::add);
      try {
        t.subscribed().await(5, TimeUnit.SECONDS);
        t.put("k", entry("before", 60_000));
        assertNotNull(eventually(() -> get(t, "k")));
        own.restart(); // a new, empty Redis on the same port
        assertNull(get(t, "k")); // an error (dropped connection) or a miss (empty): null either way
        assertEquals(InvalidationBus.EVERYTHING, got.poll(10, TimeUnit.SECONDS), "resubscribed with a full clear");
        t.put("k", entry("after", 60_000));
        assertEquals("after", eventually(() -> get(t, "k")).value().toString());
        assertTrue(reg.get(RedisTierMeters.NAME).tag("result", "error").counter().count() >= 1);
        // the new subscription carries messages
        loop.run(() -> t.invalidateTag("x")).await(5, TimeUnit.SECONDS);
        assertEquals(new Invalidation(null, "x"), got.poll(5, TimeUnit.SECONDS));
      } finally {
        t.close();
      }
    }
  }

  @Test
  void prefixInvalidationTakesGlobCharactersAsText() throws Exception {
    String p = "svc GET /a*b?[x]\\y";
    List<String> inside = List.of(p, p + "/2", p + "?page=*");
    // none starts with p; three would match p read as a glob
    List<String> outside = List.of("svc GET /aZZb?[x]\\y", "svc GET /aZZbQx\\y", "svc GET /a*bQx\\y",
        "svc GET /a*b?x\\y", "svc GET /a", "other GET /a*b?[x]\\y");
    for (String k : inside) tier.put(k, entry(k, 60_000, "glob"));
    for (String k : outside) tier.put(k, entry(k, 60_000, "glob"));
    for (String k : outside) eventually(() -> get(tier, k));
    for (String k : inside) eventually(() -> get(tier, k));
    heard.clear();
    long dropped = loop.run(() -> tier.invalidatePrefix(p)).await(5, TimeUnit.SECONDS);
    assertEquals(inside.size(), dropped);
    for (String k : inside) assertNull(get(tier, k), k);
    for (String k : outside) assertNotNull(get(tier, k), k);
    assertEquals(new Invalidation(p, null), heard.poll(5, TimeUnit.SECONDS), "published, and heard here too");
    // tag sets are not entries: the empty prefix drops every entry and reports only those
    long all = loop.run(() -> tier.invalidatePrefix("")).await(5, TimeUnit.SECONDS);
    assertTrue(all >= outside.size(), "dropped " + all);
    for (String k : outside) assertNull(get(tier, k), k);
  }

  @Test
  void tagInvalidationDropsExactlyTheTaggedEntries() throws Exception {
    tier.put("s GET /1", entry("1", 60_000, "t1", "t2"));
    tier.put("s GET /2", entry("2", 60_000, "t1"));
    tier.put("s GET /3", entry("3", 60_000, "t2"));
    for (String k : List.of("s GET /1", "s GET /2", "s GET /3")) eventually(() -> get(tier, k));
    heard.clear();
    assertEquals(2L, loop.run(() -> tier.invalidateTag("t1")).await(5, TimeUnit.SECONDS));
    assertNull(get(tier, "s GET /1"));
    assertNull(get(tier, "s GET /2"));
    assertEquals("3", get(tier, "s GET /3").value().toString());
    assertEquals(0L, redis(Request.cmd(Command.EXISTS).arg(PREFIX + "tag:t1")).toLong());
    assertEquals(new Invalidation(null, "t1"), heard.poll(5, TimeUnit.SECONDS));
    assertEquals(0L, loop.run(() -> tier.invalidateTag("never-written")).await(5, TimeUnit.SECONDS));
  }

  @Test
  void aTagOnEveryEntryStaysAsLargeAsTheLiveEntries() throws Exception {
    String tag = "service:busy";
    tier.put("busy GET /long", entry("v", 60_000, tag)); // keeps the set alive: only trimming can shrink it
    eventually(() -> get(tier, "busy GET /long"));
    for (int i = 0; i < 50; i++) tier.put("busy GET /u" + i, entry("v", 200, tag));
    eventually(() -> redis(Request.cmd(Command.ZCARD).arg(PREFIX + "tag:" + tag)).toLong() == 51 ? true : null);
    Thread.sleep(300);
    tier.put("busy GET /last", entry("v", 60_000, tag));
    eventually(() -> get(tier, "busy GET /last"));
    assertEquals(2L, redis(Request.cmd(Command.ZCARD).arg(PREFIX + "tag:" + tag)).toLong(), "expired members trimmed");
  }

  @Test
  void twoInstancesShareEntriesAndHearEachOthersInvalidations() throws Exception {
    RedisTier other = RedisTier.start(vertx, settings(server, PREFIX, 50), "web", new SimpleMeterRegistry());
    BlockingQueue<Invalidation> otherHeard = new LinkedBlockingQueue<>();
    other.onInvalidation(otherHeard::add);
    try {
      other.subscribed().await(5, TimeUnit.SECONDS);
      tier.put("shared GET /x", entry("from-a", 60_000, "shared"));
      assertEquals("from-a", eventually(() -> get(other, "shared GET /x")).value().toString());
      heard.clear();
      loop.run(() -> tier.invalidateTag("shared")).await(5, TimeUnit.SECONDS);
      assertEquals(new Invalidation(null, "shared"), otherHeard.poll(5, TimeUnit.SECONDS));
      assertEquals(new Invalidation(null, "shared"), heard.poll(5, TimeUnit.SECONDS));
      assertNull(get(other, "shared GET /x"));
      loop.run(() -> other.invalidatePrefix("shared GET")).await(5, TimeUnit.SECONDS);
      assertEquals(new Invalidation("shared GET", null), heard.poll(5, TimeUnit.SECONDS));
      // another BFF's prefix is another namespace: its entries and messages stay apart
      RedisTier ios = RedisTier.start(vertx, settings(server, "test:fc:ios:", 50), "ios", new SimpleMeterRegistry());
      try {
        ios.subscribed().await(5, TimeUnit.SECONDS);
        ios.put("shared GET /x", entry("ios", 60_000));
        eventually(() -> get(ios, "shared GET /x"));
        assertNull(get(tier, "shared GET /x"));
        heard.clear();
        loop.run(() -> ios.invalidatePrefix("")).await(5, TimeUnit.SECONDS);
        assertNull(heard.poll(300, TimeUnit.MILLISECONDS));
      } finally {
        ios.close();
      }
    } finally {
      other.close();
    }
  }

  @Test
  void aMessageThatIsNotAnInvalidationIsCountedAndIgnored() throws Exception {
    heard.clear();
    double corrupt = count("corrupt");
    redis(Request.cmd(Command.PUBLISH).arg(PREFIX + "invalidate").arg("x-not-ours"));
    redis(Request.cmd(Command.PUBLISH).arg(PREFIX + "invalidate").arg(""));
    redis(Request.cmd(Command.PUBLISH).arg(PREFIX + "invalidate").arg("tafter"));
    assertEquals(new Invalidation(null, "after"), heard.poll(5, TimeUnit.SECONDS));
    assertNull(heard.poll(100, TimeUnit.MILLISECONDS));
    assertEquals(corrupt + 2, count("corrupt"));
  }

  @Test
  void redisDownAnswersNullAndFailsInvalidationsInsteadOfClaimingZero() throws Exception {
    SimpleMeterRegistry reg = new SimpleMeterRegistry();
    RedisServer dead = RedisServer.start();
    RedisTierSettings s = settings(dead, PREFIX, 50);
    dead.close();
    RedisTier t = RedisTier.start(vertx, s, "web", reg);
    try {
      long start = System.nanoTime();
      assertNull(get(t, "k"));
      assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(250));
      t.put("k", entry("v", 60_000));
      Future<Long> inv = loop.run(() -> t.invalidateTag("x"));
      try {
        inv.await(5, TimeUnit.SECONDS);
        fail("an invalidation Redis did not make must not report success");
      } catch (Exception expected) {
        // the admin call reports it
      }
      assertTrue(reg.get(RedisTierMeters.NAME).tag("result", "error").counter().count() >= 2);
    } finally {
      t.close();
    }
  }

  // ---- helpers

  CachedEntry get(RemoteTier t, String key) throws Exception {
    return loop.run(() -> t.get(key)).await(5, TimeUnit.SECONDS);
  }

  Response redis(Request r) throws Exception {
    return raw.send(r).await(5, TimeUnit.SECONDS);
  }

  double count(String result) {
    return registry.get(RedisTierMeters.NAME).tag("result", result).counter().count();
  }

  /** Polls until non-null (writes are fire and forget). */
  static <T> T eventually(Callable<T> probe) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      T v = probe.call();
      if (v != null) return v;
      if (System.nanoTime() > deadline) fail("not within 5 s");
      Thread.sleep(10);
    }
  }

  interface Callable<T> {
    T call() throws Exception;
  }
}
