package dev.bffkit.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.config.CacheConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The cache's rules on an injected clock: windows, single flight, bounds, invalidation, the shared tier's use. */
class FieldCacheTest {
  static final Function<Throwable, String> SERVICE_FAILURES = t -> t.getMessage().startsWith("5") ? "UPSTREAM_ERROR" : null;
  final AtomicLong now = new AtomicLong(1_000_000);
  final AtomicInteger loads = new AtomicInteger();

  FieldCache cache(long maxBytes, long maxEntryBytes, RemoteTier remote) {
    return new FieldCache(new CacheConfig(true, maxBytes, maxEntryBytes, CacheConfig.Redis.off()), remote, null, now::get);
  }

  static CachePolicy policy(long maxAgeS, long swrS, long sieS) {
    return new CachePolicy(Duration.ofSeconds(maxAgeS), CachePolicy.Scope.PRIVATE, Duration.ofSeconds(swrS),
        Duration.ofSeconds(sieS), List.of());
  }

  FieldCache.Ask ask(String key, CachePolicy p, String answer) {
    return new FieldCache.Ask("Query.f", key, p, Set.of("field:Query.f"), () -> {
      loads.incrementAndGet();
      return Future.succeededFuture(new FieldCache.Fill(Buffer.buffer(answer), true));
    }, SERVICE_FAILURES, 1000);
  }

  FieldCache.Ask failing(String key, CachePolicy p, String status) {
    return new FieldCache.Ask("Query.f", key, p, Set.of(), () -> {
      loads.incrementAndGet();
      return Future.failedFuture(new RuntimeException(status + " from the service"));
    }, SERVICE_FAILURES, 1000);
  }

  static FieldCache.Lookup done(Future<FieldCache.Lookup> f) {
    assertTrue(f.isComplete(), "completed at once");
    if (f.failed()) throw new AssertionError("failed: " + f.cause());
    return f.result();
  }

  @Test
  void aMissLoadsAndAHitDoesNot() {
    FieldCache c = cache(1 << 20, 1 << 16, null);
    CachePolicy p = policy(30, 0, 0);
    FieldCache.Lookup first = done(c.get(ask("k", p, "one"), null));
    assertEquals(FieldCache.Source.MISS, first.source());
    assertEquals(30_000, first.freshForMillis());
    now.addAndGet(10_000);
    FieldCache.Lookup second = done(c.get(ask("k", p, "two"), null));
    assertEquals(FieldCache.Source.HIT, second.source());
    assertEquals("one", second.value().toString());
    assertEquals(10_000, second.ageMillis());
    assertEquals(20_000, second.freshForMillis());
    assertEquals(1, loads.get());
    // Another key is another entry.
    assertEquals("x", done(c.get(ask("k2", p, "x"), null)).value().toString());
    assertEquals(2, loads.get());
    // Past maxAge with no stale window: a miss.
    now.addAndGet(20_001);
    FieldCache.Lookup expired = done(c.get(ask("k", p, "three"), null));
    assertEquals(FieldCache.Source.MISS, expired.source());
    assertEquals("three", expired.value().toString());
  }

  @Test
  void staleWhileRevalidateServesAtOnceAndRefreshesOnce() {
    FieldCache c = cache(1 << 20, 1 << 16, null);
    CachePolicy p = policy(30, 60, 0);
    done(c.get(ask("k", p, "old"), null));
    now.addAndGet(31_000);
    Promise<FieldCache.Fill> refresh = Promise.promise();
    FieldCache.Ask slow = new FieldCache.Ask("Query.f", "k", p, Set.of(), () -> {
      loads.incrementAndGet();
      return refresh.future();
    }, SERVICE_FAILURES, 1000);
    for (int i = 0; i < 5; i++) {
      FieldCache.Lookup l = done(c.get(slow, null));
      assertEquals(FieldCache.Source.STALE, l.source());
      assertEquals("old", l.value().toString());
      assertEquals(0, l.freshForMillis());
    }
    assertEquals(2, loads.get(), "one fill, then exactly one background refresh for five stale answers");
    refresh.complete(new FieldCache.Fill(Buffer.buffer("new"), true));
    FieldCache.Lookup after = done(c.get(slow, null));
    assertEquals(FieldCache.Source.HIT, after.source());
    assertEquals("new", after.value().toString());
    assertEquals(2, loads.get());
    // Past maxAge + swr: no longer served stale, loaded in the request.
    now.addAndGet(91_000);
    assertEquals(FieldCache.Source.MISS, done(c.get(ask("k", p, "newest"), null)).source());
    assertEquals(3, loads.get());
  }

  @Test
  void aFailedRefreshKeepsServingTheStaleAnswer() {
    FieldCache c = cache(1 << 20, 1 << 16, null);
    CachePolicy p = policy(10, 60, 0);
    done(c.get(ask("k", p, "old"), null));
    now.addAndGet(11_000);
    assertEquals("old", done(c.get(failing("k", p, "503"), null)).value().toString());
    assertEquals("old", done(c.get(failing("k", p, "503"), null)).value().toString());
    assertEquals(3, loads.get(), "one refresh per stale answer while it fails (none in flight)");
    Map<String, Long> counts = counts(c);
    assertEquals(2L, counts.get("stale"));
    assertEquals(1L, counts.get("miss"));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Long> counts(FieldCache c) {
    return (Map<String, Long>) (Map<?, ?>) c.stats().getJsonObject("fields").getJsonObject("Query.f").getMap();
  }

  @Test
  void staleIfErrorCoversServiceFailuresOnlyAndOnlyWithinItsWindow() {
    FieldCache c = cache(1 << 20, 1 << 16, null);
    CachePolicy p = policy(30, 0, 300);
    done(c.get(ask("k", p, "good"), null));
    now.addAndGet(40_000);
    FieldCache.Lookup l = done(c.get(failing("k", p, "500"), null));
    assertEquals(FieldCache.Source.STALE_IF_ERROR, l.source());
    assertEquals("good", l.value().toString());
    assertEquals("UPSTREAM_ERROR", l.reason());
    assertEquals(40_000, l.ageMillis());
    // A 4xx is the request's fault: never covered.
    Future<FieldCache.Lookup> notFound = c.get(failing("k", p, "404"), null);
    assertTrue(notFound.failed());
    assertTrue(notFound.cause().getMessage().startsWith("404"));
    // The service is back: a fresh answer replaces the stale one.
    assertEquals("fresh", done(c.get(ask("k", p, "fresh"), null)).value().toString());
    // Past maxAge + sie: the error reaches the caller.
    now.addAndGet(330_001);
    assertTrue(c.get(failing("k", p, "500"), null).failed());
    assertEquals(1L, counts(c).get("stale_if_error"));
  }

  @Test
  void concurrentMissesForOneKeyMakeOneLoad() {
    FieldCache c = cache(1 << 20, 1 << 16, null);
    CachePolicy p = policy(30, 0, 0);
    Promise<FieldCache.Fill> answer = Promise.promise();
    FieldCache.Ask a = new FieldCache.Ask("Query.f", "k", p, Set.of(), () -> {
      loads.incrementAndGet();
      return answer.future();
    }, SERVICE_FAILURES, 1000);
    List<Future<FieldCache.Lookup>> all = new ArrayList<>();
    for (int i = 0; i < 100; i++) all.add(c.get(a, null));
    assertEquals(1, loads.get());
    assertFalse(all.get(99).isComplete());
    answer.complete(new FieldCache.Fill(Buffer.buffer("v"), true));
    assertEquals(FieldCache.Source.MISS, done(all.get(0)).source());
    for (int i = 1; i < 100; i++) assertEquals(FieldCache.Source.COALESCED, done(all.get(i)).source());
    assertEquals(99L, counts(c).get("coalesced"));
    // A failed load fails every waiter, and the next caller starts a new one.
    Promise<FieldCache.Fill> broken = Promise.promise();
    FieldCache.Ask b = new FieldCache.Ask("Query.f", "other", p, Set.of(), () -> {
      loads.incrementAndGet();
      return broken.future();
    }, SERVICE_FAILURES, 1000);
    Future<FieldCache.Lookup> x = c.get(b, null);
    Future<FieldCache.Lookup> y = c.get(b, null);
    broken.fail(new RuntimeException("500"));
    assertTrue(x.failed() && y.failed());
    assertEquals(FieldCache.Source.MISS, done(c.get(ask("other", p, "ok"), null)).source());
    assertEquals(3, loads.get());
  }

  @Test
  void noStoreAndOversizedAnswersAreServedButNotKept() {
    FieldCache c = cache(1 << 20, 100, null);
    CachePolicy p = policy(30, 0, 0);
    FieldCache.Ask noStore = new FieldCache.Ask("Query.f", "ns", p, Set.of(), () -> {
      loads.incrementAndGet();
      return Future.succeededFuture(new FieldCache.Fill(Buffer.buffer("secret"), false));
    }, SERVICE_FAILURES, 1000);
    assertEquals("secret", done(c.get(noStore, null)).value().toString());
    assertEquals("secret", done(c.get(noStore, null)).value().toString());
    assertEquals(2, loads.get());
    String big = "x".repeat(101);
    done(c.get(ask("big", p, big), null));
    done(c.get(ask("big", p, big), null));
    assertEquals(4, loads.get());
    assertEquals(0L, c.stats().getLong("entries"));
  }

  @Test
  void theWeightBoundEvicts() {
    long max = 20_000;
    FieldCache c = cache(max, 1 << 16, null);
    CachePolicy p = policy(300, 0, 0);
    String answer = "y".repeat(1000);
    for (int i = 0; i < 100; i++) done(c.get(ask("key-" + i, p, answer), null));
    long entries = c.stats().getLong("entries");
    long bytes = c.stats().getLong("bytes");
    assertTrue(bytes <= max, "weight " + bytes + " within " + max);
    assertTrue(entries > 5 && entries < 20, "about max / (1000 + 2 x key + 64) entries kept: " + entries);
  }

  @Test
  void invalidationByPrefixAndByTag() {
    FieldCache c = cache(1 << 20, 1 << 16, null);
    CachePolicy p = policy(300, 0, 0);
    for (String k : List.of("recs GET /rows?user=u1 @iss|u1", "recs GET /rows?user=u2 @iss|u2", "ads GET /ads")) {
      c.get(new FieldCache.Ask("Query.f", k, p, Set.of("service:" + k.substring(0, k.indexOf(' ')), "all"),
          () -> Future.succeededFuture(new FieldCache.Fill(Buffer.buffer(k), true)), SERVICE_FAILURES, 1000), null);
    }
    assertEquals(1, done2(c.invalidatePrefix("recs GET /rows?user=u1")).local());
    assertEquals(0, done2(c.invalidatePrefix("recs GET /rows?user=u1")).local(), "gone already");
    assertEquals(-1, done2(c.invalidatePrefix("x")).remote(), "no shared tier");
    assertEquals(1, done2(c.invalidateTag("service:recs")).local(), "u2's row; u1's was dropped before");
    assertEquals(1, done2(c.invalidateTag("all")).local());
    assertEquals(0L, c.stats().getLong("entries"));
    assertEquals(0, c.stats().getInteger("tags"), "the tag index is cleaned with the entries");
    // Dropped means loaded again.
    FieldCache.Lookup again = done(c.get(ask("ads GET /ads", p, "reloaded"), null));
    assertEquals(FieldCache.Source.MISS, again.source());
  }

  static <T> T done2(Future<T> f) {
    assertTrue(f.succeeded());
    return f.result();
  }

  /** An in-memory shared tier (the interface's contract, as the Redis tier keeps it). */
  static final class MemoryTier implements RemoteTier {
    final Map<String, CachedEntry> entries = new ConcurrentHashMap<>();
    final List<Consumer<Invalidation>> listeners = new ArrayList<>();
    boolean down;
    int gets;

    @Override
    public Future<CachedEntry> get(String key) {
      gets++;
      return down ? Future.failedFuture("connection refused") : Future.succeededFuture(entries.get(key));
    }

    @Override
    public void put(String key, CachedEntry entry) {
      if (!down) entries.put(key, entry);
    }

    @Override
    public Future<Long> invalidatePrefix(String prefix) {
      if (down) return Future.failedFuture("connection refused");
      long n = entries.keySet().stream().filter(k -> k.startsWith(prefix)).count();
      entries.keySet().removeIf(k -> k.startsWith(prefix));
      listeners.forEach(l -> l.accept(new Invalidation(prefix, null)));
      return Future.succeededFuture(n);
    }

    @Override
    public Future<Long> invalidateTag(String tag) {
      if (down) return Future.failedFuture("connection refused");
      listeners.forEach(l -> l.accept(new Invalidation(null, tag)));
      return Future.succeededFuture(0L);
    }

    @Override
    public void onInvalidation(Consumer<Invalidation> listener) {
      listeners.add(listener);
    }

    @Override
    public Future<Void> close() {
      return Future.succeededFuture();
    }
  }

  @Test
  void theSharedTierIsAskedOnALocalMissFilledOnALoadAndItsFailuresAreMisses() {
    MemoryTier shared = new MemoryTier();
    FieldCache a = cache(1 << 20, 1 << 16, shared);
    FieldCache b = cache(1 << 20, 1 << 16, shared);
    CachePolicy p = policy(30, 0, 0);
    assertEquals(FieldCache.Source.MISS, done(a.get(ask("k", p, "from-a"), null)).source());
    assertEquals(1, loads.get());
    assertTrue(shared.entries.containsKey("k"), "filled both tiers");
    FieldCache.Lookup onB = done(b.get(ask("k", p, "from-b"), null));
    assertEquals(FieldCache.Source.HIT, onB.source());
    assertEquals("from-a", onB.value().toString());
    assertEquals(1, loads.get(), "b made no call");
    int gets = shared.gets;
    done(b.get(ask("k", p, "from-b"), null));
    assertEquals(gets, shared.gets, "b keeps it locally now");
    // An invalidation published through the shared tier clears every instance's local tier.
    shared.invalidatePrefix("k");
    assertEquals(0L, a.stats().getLong("entries"));
    assertEquals(0L, b.stats().getLong("entries"));
    // The tier down: a miss, never an error.
    shared.down = true;
    FieldCache.Lookup l = done(a.get(ask("k", p, "direct"), null));
    assertEquals(FieldCache.Source.MISS, l.source());
    assertEquals("direct", l.value().toString());
    // A stale entry in the shared tier is not taken as fresh.
    shared.down = false;
    shared.entries.put("old", CachedEntry.of(Buffer.buffer("ancient"), now.get() - 60_000, p, Set.of()));
    assertEquals("loaded", done(b.get(ask("old", p, "loaded"), null)).value().toString());
  }

  @Test
  void aSharedTierThatFailsAnInvalidationFailsIt() {
    MemoryTier shared = new MemoryTier();
    FieldCache c = cache(1 << 20, 1 << 16, shared);
    CachePolicy p = policy(30, 0, 0);
    done(c.get(ask("k", p, "v"), null));
    shared.down = true;
    // Not "-1, no shared tier": the fleet still holds it, and the caller must say so.
    Future<FieldCache.Invalidated> byPrefix = c.invalidatePrefix("k");
    Future<FieldCache.Invalidated> byTag = c.invalidateTag("t");
    for (Future<FieldCache.Invalidated> f : List.of(byPrefix, byTag)) {
      assertTrue(f.failed(), "failed, not succeeded with a count");
      assertTrue(f.cause() instanceof FieldCache.SharedInvalidationFailed, String.valueOf(f.cause()));
    }
    assertEquals(1, ((FieldCache.SharedInvalidationFailed) byPrefix.cause()).local(), "what was dropped here");
    assertEquals(0L, c.stats().getLong("entries"), "the local tier was cleared all the same");
  }
}
