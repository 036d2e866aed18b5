package dev.bffkit.core.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Real threads on the real clock: the GCRA bound holds under CAS races, and keys stay apart. */
class LocalLimiterConcurrencyTest {
  private static final int THREADS = 8;
  private static final long RUN_NANOS = 2_000_000_000L;

  @Test
  void hammeredKeyStaysWithinRateTimesTimePlusBurstAndOtherKeysAreUntouched() throws Exception {
    RateLimit limit = new RateLimit("s", 500, Duration.ofSeconds(1), 20); // T = 2 ms
    RateLimit daily = new RateLimit("day", 1_000_000, Duration.ofDays(1), 1_000_000);
    RateLimit[] one = {limit};
    RateLimit[] two = {limit, daily};
    LocalLimiter limiter = new LocalLimiter(1024);
    AtomicLong allowed = new AtomicLong();
    AtomicLong calls = new AtomicLong();
    AtomicLong quietAllowed = new AtomicLong();
    AtomicLong quietRefused = new AtomicLong();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime();
    long end = start + RUN_NANOS;
    for (int t = 0; t < THREADS; t++) {
      boolean several = t % 2 == 0; // half the threads go through the two-limit path
      threads.add(new Thread(() -> {
        Decision d = new Decision();
        await(go);
        long mine = 0;
        long n = 0;
        while (System.nanoTime() - end < 0) {
          if (limiter.decide("flood", several ? two : one, d)) mine++;
          n++;
        }
        allowed.addAndGet(mine);
        calls.addAndGet(n);
      }, "hammer-" + t));
    }
    // Another key under the same limit, at 100/s (a fifth of its rate): every request must pass.
    threads.add(new Thread(() -> {
      Decision d = new Decision();
      await(go);
      while (System.nanoTime() - end < 0) {
        (limiter.decide("quiet", one, d) ? quietAllowed : quietRefused).incrementAndGet();
        sleep(10);
      }
    }, "quiet"));
    threads.forEach(Thread::start);
    go.countDown();
    for (Thread t : threads) t.join(30_000);
    long elapsed = System.nanoTime() - start;

    long bound = elapsed / limit.emissionNanos() + limit.burst(); // R·t + burst
    long sane = (long) (0.5 * RUN_NANOS / limit.emissionNanos());
    assertTrue(calls.get() > 10 * bound, "the key was hammered: " + calls.get() + " calls");
    assertTrue(allowed.get() <= bound, "allowed " + allowed.get() + " > R·t + burst = " + bound);
    assertTrue(allowed.get() >= sane, "allowed " + allowed.get() + " < " + sane);
    assertEquals(0, quietRefused.get(), "the flood spent another key's budget");
    assertTrue(quietAllowed.get() >= 20, "the quiet key ran: " + quietAllowed.get());
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
