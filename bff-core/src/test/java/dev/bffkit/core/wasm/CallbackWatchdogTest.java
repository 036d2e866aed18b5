package dev.bffkit.core.wasm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The budget guard as the watchdog now times it (issue 18: no clock read on the loop): a callback is never stopped
 * before its budget, one past it is stopped and its interrupt cleared, and callbacks in a row that each stay within
 * the budget are never stopped however long they run together (the watchdog must not take one for the next).
 */
class CallbackWatchdogTest {
  private static final long BUDGET_MS = 30;
  private static final int BUDGET_MICROS = (int) TimeUnit.MILLISECONDS.toMicros(BUDGET_MS);

  /** Spins like a looping callback until the watchdog interrupts it, or {@code maxMs} have passed. */
  private static void spin(long maxMs) {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMs);
    while (!Thread.currentThread().isInterrupted() && System.nanoTime() < until) Thread.onSpinWait();
  }

  private static double msSince(long t0) {
    return (System.nanoTime() - t0) / 1e6;
  }

  @Test
  void aLoopingCallbackIsStoppedAfterItsBudgetNeverBefore() throws Exception {
    CallbackWatchdog.get().budget(TimeUnit.MILLISECONDS.toNanos(BUDGET_MS));
    long tick = CallbackWatchdog.get().tickNanos();
    assertTrue(tick <= TimeUnit.MILLISECONDS.toNanos(BUDGET_MS) / 5, "tick " + tick + " ns");
    double[] ran = new double[3];
    boolean[] stopped = new boolean[3];
    boolean[] interruptLeft = new boolean[3];
    Thread t = new Thread(() -> {
      CallbackWatchdog.Guard g = CallbackWatchdog.get().guard();
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime(); // before it enters: a stop needs a budget since then
        long seq = g.enter(BUDGET_MICROS);
        spin(10_000);
        ran[i] = msSince(t0);
        stopped[i] = g.exit(seq);
        interruptLeft[i] = Thread.currentThread().isInterrupted();
      }
    });
    t.start();
    t.join(60_000);
    for (int i = 0; i < 3; i++) {
      assertTrue(stopped[i], "callback " + i + " was not stopped (ran " + ran[i] + " ms)");
      assertTrue(ran[i] >= BUDGET_MS, "callback " + i + " was stopped after " + ran[i] + " ms, before its budget");
      // a budget plus two ticks, and a wide margin for a loaded shared machine
      assertTrue(ran[i] < 5_000, "callback " + i + " ran " + ran[i] + " ms");
      assertFalse(interruptLeft[i], "the interrupt outlived callback " + i);
    }
  }

  @Test
  void callbacksInARowEachWithinTheBudgetAreNeverStopped() throws Exception {
    CallbackWatchdog.get().budget(TimeUnit.MILLISECONDS.toNanos(BUDGET_MS));
    int n = 40; // 40 x 10 ms: thirteen budgets together, a third of one each
    double[] ran = new double[n];
    boolean[] stopped = new boolean[n];
    Thread t = new Thread(() -> {
      CallbackWatchdog.Guard g = CallbackWatchdog.get().guard();
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        long seq = g.enter(BUDGET_MICROS);
        spin(10);
        stopped[i] = g.exit(seq);
        ran[i] = msSince(t0); // from before it entered to after it left: a stop is within this
      }
    });
    t.start();
    t.join(60_000);
    for (int i = 0; i < n; i++) {
      // a callback descheduled past its budget may rightly be stopped; one that stayed within it never
      if (ran[i] < BUDGET_MS) assertFalse(stopped[i], "callback " + i + " was stopped after " + ran[i] + " ms");
    }
  }
}
