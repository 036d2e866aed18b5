package dev.bffkit.core.observe;

import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/**
 * How late an event loop runs a timer: a periodic tick every {@link #PERIOD_MS} on the loop,
 * whose lateness is the time the loop was busy with other work (or blocked). One per loop; the
 * BFF's histogram is shared. A lag in the milliseconds is what every request on that loop waits.
 */
final class EventLoopLag {
  static final long PERIOD_MS = 100;

  private EventLoopLag() {}

  /** Starts ticking on the calling loop (a verticle's start). */
  static void watch(Vertx vertx, Timer lag) {
    long[] expected = {System.nanoTime() + PERIOD_MS * 1_000_000L};
    vertx.setPeriodic(PERIOD_MS, id -> {
      long now = System.nanoTime();
      lag.record(Math.max(0, now - expected[0]), TimeUnit.NANOSECONDS);
      expected[0] = now + PERIOD_MS * 1_000_000L;
    });
  }
}
