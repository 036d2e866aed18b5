package dev.bffkit.core.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GCRA on a fake clock: exact answers per request, several limits, and the bounded table. */
class GcraTest {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000 * MS;
  private static final long H = 3600 * S;

  /** One request at {@code at} and what it must answer. */
  record Step(long at, boolean allowed, long remaining, long resetAfter, long retryAfter) {}

  record Case(String name, RateLimit limit, List<Step> steps) {}

  private static Step ok(long at, long remaining, long reset) {
    return new Step(at, true, remaining, reset, 0);
  }

  private static Step no(long at, long reset, long retry) {
    return new Step(at, false, 0, reset, retry);
  }

  private static final List<Case> CASES = List.of(
      // 10/s, burst 3: T = 100 ms, window 300 ms.
      new Case("burst then one per T", new RateLimit("s", 10, Duration.ofSeconds(1), 3), List.of(
          ok(0, 2, 100 * MS), ok(0, 1, 200 * MS), ok(0, 0, 300 * MS),
          no(0, 300 * MS, 100 * MS),
          no(50 * MS, 250 * MS, 50 * MS),
          no(100 * MS - 1, 200 * MS + 1, 1),
          ok(100 * MS, 0, 300 * MS),
          no(150 * MS, 250 * MS, 50 * MS),
          ok(200 * MS, 0, 300 * MS),
          ok(350 * MS, 0, 250 * MS), // half a T back: not yet a whole request
          ok(550 * MS, 1, 150 * MS), // one and a half back: one more at once
          ok(10 * S, 2, 100 * MS))), // long idle: a fresh key again
      new Case("burst 1", new RateLimit("b1", 5, Duration.ofSeconds(1), 1), List.of(
          ok(0, 0, 200 * MS), no(1, 200 * MS - 1, 200 * MS - 1), ok(200 * MS, 0, 200 * MS),
          no(399 * MS, 1 * MS, 1 * MS), ok(400 * MS, 0, 200 * MS))),
      new Case("1 per day", new RateLimit("day", 1, Duration.ofDays(1), 1), List.of(
          ok(0, 0, 24 * H), no(H, 23 * H, 23 * H), no(24 * H - 1, 1, 1), ok(24 * H, 0, 24 * H),
          ok(100 * H, 0, 24 * H))),
      // 3/s does not divide a second: T rounds up to 333,333,334 ns so the rate never exceeds 3/s.
      new Case("T rounded up", new RateLimit("r", 3, Duration.ofSeconds(1), 1), List.of(
          ok(0, 0, 333_333_334), no(333_333_333, 1, 1), ok(333_333_334, 0, 333_333_334))),
      new Case("clock origin below zero", new RateLimit("neg", 2, Duration.ofSeconds(1), 2), List.of(
          ok(-5 * S, 1, 500 * MS), ok(-5 * S, 0, S), no(-5 * S, S, 500 * MS), ok(-4 * S, 1, 500 * MS))));

  @Test
  void eachStepAnswersExactly() {
    for (Case c : CASES) {
      LocalLimiter limiter = new LocalLimiter(16);
      RateLimit[] limits = {c.limit()};
      Decision d = new Decision();
      int i = 0;
      for (Step s : c.steps()) {
        String at = c.name() + " step " + i++ + " at " + s.at();
        assertEquals(s.allowed(), limiter.decide("k", limits, s.at(), d), at);
        assertEquals(s.allowed(), d.allowed(), at);
        assertEquals(s.remaining(), d.remaining(), at + " remaining");
        assertEquals(s.resetAfter(), d.resetAfterNanos(), at + " resetAfter");
        assertEquals(s.retryAfter(), d.retryAfterNanos(), at + " retryAfter");
        assertEquals(c.limit(), d.limit(), at);
      }
    }
  }

  @Test
  void aFreshKeyTakesExactlyBurstAtOnceThenOnePerT() {
    for (int burst : new int[] {1, 2, 7, 100}) {
      RateLimit limit = new RateLimit("b", 50, Duration.ofSeconds(1), burst); // T = 20 ms
      RateLimit[] limits = {limit};
      LocalLimiter limiter = new LocalLimiter(4);
      Decision d = new Decision();
      long now = 123 * S;
      for (int i = 0; i < burst; i++) assertTrue(limiter.decide("k", limits, now, d), "burst " + burst + " #" + i);
      assertFalse(limiter.decide("k", limits, now, d), "burst " + burst + " is all");
      for (int i = 1; i <= 5; i++) {
        assertFalse(limiter.decide("k", limits, now + i * 20 * MS - 1, d));
        assertTrue(limiter.decide("k", limits, now + i * 20 * MS, d));
        assertFalse(limiter.decide("k", limits, now + i * 20 * MS, d), "one per T");
      }
    }
  }

  @Test
  void theClockMayWrapAndNeverRevivesARetiredMark() {
    RateLimit[] limits = {new RateLimit("s", 10, Duration.ofSeconds(1), 2)}; // T = 100 ms
    LocalLimiter limiter = new LocalLimiter(4);
    Decision d = new Decision();
    long now = Long.MIN_VALUE - 100 * MS; // now + T is exactly the retired mark
    assertTrue(limiter.decide("k", limits, now, d));
    assertEquals(100 * MS + 1, d.resetAfterNanos(), "moved 1 ns later, not mistaken for a retired cell");
    assertFalse(limiter.decide("k", limits, now, d), "the 1 ns counts: stricter, never looser");
    assertTrue(limiter.decide("k", limits, now + 1, d));
    assertFalse(limiter.decide("k", limits, now + 1, d), "the state was kept across the wrap");
    assertTrue(limiter.decide("k", limits, now + 100 * MS + 1, d));
  }

  @Test
  void headerSecondsRoundUp() {
    LocalLimiter limiter = new LocalLimiter(4);
    RateLimit[] limits = {new RateLimit("s", 10, Duration.ofSeconds(1), 1)};
    Decision d = new Decision();
    limiter.decide("k", limits, 0, d);
    assertFalse(limiter.decide("k", limits, 50 * MS, d));
    assertEquals(1, d.retryAfterSeconds(), "50 ms is Retry-After: 1, never 0");
    assertEquals(1, d.resetSeconds());
    assertTrue(limiter.decide("k", limits, 100 * MS, d));
    assertEquals(0, d.retryAfterSeconds());
    assertEquals(1, limits[0].windowSeconds());
    assertEquals(86_400, new RateLimit("d", 1000, Duration.ofDays(1), 10).windowSeconds());
  }

  @Test
  void aRefusalBySecondLimitSpendsNothingOfTheFirst() {
    RateLimit perSecond = new RateLimit("second", 2, Duration.ofSeconds(1), 2);
    RateLimit perDay = new RateLimit("day", 3, Duration.ofDays(1), 3);
    RateLimit[] both = {perSecond, perDay};
    LocalLimiter limiter = new LocalLimiter(16);
    Decision d = new Decision();

    assertTrue(limiter.decide("k", both, 0, d));
    assertEquals(0, d.limitIndex(), "binding: the per-second limit has 1 left, the daily 2");
    assertEquals(1, d.remaining());
    assertTrue(limiter.decide("k", both, 0, d));
    assertFalse(limiter.decide("k", both, 0, d), "per second spent");
    assertEquals(perSecond, d.limit());
    assertEquals(500 * MS, d.retryAfterNanos());

    assertTrue(limiter.decide("k", both, S, d), "the daily limit was not charged for the refusal");
    assertEquals(1, d.limitIndex());
    assertEquals(0, d.remaining());
    for (int i = 0; i < 5; i++) {
      assertFalse(limiter.decide("k", both, 2 * S, d), "daily limit spent");
      assertEquals(perDay, d.limit());
      assertEquals(8 * H - 2 * S, d.retryAfterNanos(), "the daily limit's wait: T = 8 h, its TAT 24 h after 3");
    }
    // The per-second limit is untouched by the daily refusals: its full burst is there.
    assertTrue(limiter.decide("k", new RateLimit[] {perSecond}, 2 * S, d));
    assertEquals(1, d.remaining());
  }

  @Test
  void keysAndLimitsHaveTheirOwnBudgets() {
    RateLimit a = new RateLimit("a", 1, Duration.ofSeconds(1), 1);
    RateLimit b = new RateLimit("b", 1, Duration.ofSeconds(1), 1);
    LocalLimiter limiter = new LocalLimiter(16);
    Decision d = new Decision();
    assertTrue(limiter.decide("free|apikey:x", new RateLimit[] {a}, 0, d));
    assertFalse(limiter.decide("free|apikey:x", new RateLimit[] {a}, 0, d));
    assertTrue(limiter.decide("free|apikey:y", new RateLimit[] {a}, 0, d), "another key");
    assertTrue(limiter.decide("free|apikey:x", new RateLimit[] {b}, 0, d), "another limit");
    // "Aa" and "BB" have the same String.hashCode: the full key keeps them apart.
    assertEquals("Aa".hashCode(), "BB".hashCode());
    assertTrue(limiter.decide("Aa", new RateLimit[] {a}, 0, d));
    assertTrue(limiter.decide("BB", new RateLimit[] {a}, 0, d), "a hash collision shares no budget");
    assertFalse(limiter.decide("Aa", new RateLimit[] {a}, 0, d));
    // An equal limit built again (a config reload) finds the same budget.
    assertFalse(limiter.decide("Aa", new RateLimit[] {new RateLimit("a", 1, Duration.ofSeconds(1), 1)}, 0, d));
  }

  @Test
  void idleKeysMakeRoomAndTheTableStaysBounded() {
    int k = 64;
    LocalLimiter limiter = new LocalLimiter(k);
    assertEquals(256, limiter.capacity(), "32 buckets of 8");
    RateLimit[] limits = {new RateLimit("s", 10, Duration.ofSeconds(1), 1)}; // T = 100 ms
    Decision d = new Decision();
    long now = 0;
    for (int i = 0; i < 10 * k; i++) {
      now += 10 * MS; // each key is idle again 100 ms after its request
      assertTrue(limiter.decide("key-" + i, limits, now, d), "key " + i);
      assertTrue(limiter.cellCount() <= limiter.capacity());
    }
    assertEquals(0, limiter.liveEvictions(), "idle cells made room; no live key lost its state");
    assertTrue(limiter.cellCount() <= 8 * 32, "bounded: " + limiter.cellCount());
    // The last keys are live and keep their state.
    assertFalse(limiter.decide("key-" + (10 * k - 1), limits, now, d));
  }

  @Test
  void aFullTableOfLiveKeysStillAnswersAndStaysBounded() {
    int k = 64;
    LocalLimiter limiter = new LocalLimiter(k);
    RateLimit[] limits = {new RateLimit("day", 1, Duration.ofDays(1), 1)};
    Decision d = new Decision();
    for (int i = 0; i < 10 * k; i++) {
      assertTrue(limiter.decide("key-" + i, limits, 0, d), "a new key is always answered");
      assertTrue(limiter.cellCount() <= limiter.capacity());
    }
    assertEquals(limiter.capacity(), limiter.cellCount());
    assertEquals(10 * k - limiter.capacity(), limiter.liveEvictions(), "every live eviction is counted");
  }

  @Test
  void aKeyEvictedWhileIdleIsAFreshKey() {
    LocalLimiter limiter = new LocalLimiter(8); // 4 buckets of 8
    RateLimit[] limits = {new RateLimit("s", 10, Duration.ofSeconds(1), 3)};
    Decision d = new Decision();
    for (int i = 0; i < 3; i++) assertTrue(limiter.decide("a", limits, 0, d));
    assertFalse(limiter.decide("a", limits, 0, d));
    long later = 2 * S;
    int i = 0;
    while (limiter.holds("a", limits[0])) { // idle cells stay until their bucket is full
      later += 200 * MS; // each other key is idle again before the next
      assertTrue(limiter.decide("other-" + i++, limits, later, d));
      assertTrue(i < 10_000, "a never evicted");
    }
    assertTrue(i > 8, "a's bucket had room for " + i + " keys before it was full");
    assertEquals(0, limiter.liveEvictions());
    for (int j = 0; j < 3; j++) assertTrue(limiter.decide("a", limits, later, d), "fresh burst #" + j);
    assertFalse(limiter.decide("a", limits, later, d));
  }

  @Test
  void badLimitsAreRefusedAtConstruction() {
    assertThrows(IllegalArgumentException.class, () -> new RateLimit("x", 0, Duration.ofSeconds(1), 1));
    assertThrows(IllegalArgumentException.class, () -> new RateLimit("x", 1, Duration.ofSeconds(1), 0));
    assertThrows(IllegalArgumentException.class, () -> new RateLimit("x", 1, Duration.ZERO, 1));
    assertThrows(IllegalArgumentException.class, () -> new RateLimit("x", 1, Duration.ofSeconds(-1), 1));
    assertThrows(IllegalArgumentException.class, () -> new RateLimit("x", 2, Duration.ofNanos(1), 1));
    assertThrows(IllegalArgumentException.class, () -> new RateLimit("x", 1, Duration.ofDays(365 * 200), 2));
    assertThrows(IllegalArgumentException.class, () -> new LocalLimiter(4).decide("k", new RateLimit[0], 0, new Decision()));
  }
}
