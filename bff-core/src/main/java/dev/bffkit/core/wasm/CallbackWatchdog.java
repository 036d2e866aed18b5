package dev.bffkit.core.wasm;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The time budget of a filter callback. Chicory's compiled code checks {@link Thread#isInterrupted()} at every loop
 * back-edge and call, so a callback past its budget is stopped by interrupting the event loop that runs it. An
 * interrupt must never outlive the callback: Netty's loop does channel I/O, and NIO closes a channel whose thread is
 * interrupted. So each loop has a {@link Guard} whose state a single CAS moves in and out of a callback; the watchdog
 * interrupts only a callback it caught in flight, and the loop waits for that interrupt to land before it clears it.
 * No lock, no system call and no clock read on the healthy path: one volatile write, a volatile read and a CAS per
 * callback.
 *
 * <p>The watchdog times the callbacks itself: it notes when it first sees a callback in flight and stops it once that
 * is a budget ago. So a callback runs at least its budget, and at most its budget plus two ticks (one until it is
 * first seen, one between looks); a deadline the loop computed saved one tick but cost two clock reads per callback,
 * a tenth of a header filter's host cost on this VM (issue 18).
 *
 * <p>The watchdog looks on a tick while callbacks run, and sleeps when none has started for {@link #IDLE_NANOS}: an
 * idle BFF with filters loaded then costs nothing (each tick is a wake-up, ~30 µs of CPU on this VM). The first
 * callback after that wakes it (one unpark), as a Dekker pair: the loop publishes its callback then reads
 * {@code asleep}; the watchdog publishes {@code asleep} then reads the loops' states, so one of them sees the other.
 */
final class CallbackWatchdog {
  private static final long IDLE = 0;
  private static final long INTERRUPTING = -1;
  private static final long INTERRUPTED = -2;
  /**
   * How often the watchdog looks: a fifth of the smallest budget of the filters loaded, between these two, so a callback
   * overruns its budget by two fifths of it at most (plus the wake-ups' lateness). Each look is a wake-up of its own: a
   * fixed 2 ms tick cost 1.5 % of a core on an idle BFF (500 wake-ups a second, issue 18's load test: ~12 µs per
   * request at 1 200 req/s, more than the filter itself); at the default 200 ms budget it is 40 ms, 25 a second
   * while callbacks run, none when they do not ({@link #IDLE_NANOS}).
   */
  static final long MIN_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  static final long MAX_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private volatile long tickNanos = MAX_TICK_NANOS;
  private static final CallbackWatchdog INSTANCE = new CallbackWatchdog();

  /** How long the watchdog keeps ticking after the last callback started. */
  static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final CopyOnWriteArrayList<Guard> guards = new CopyOnWriteArrayList<>();
  private volatile Thread thread;
  private final AtomicBoolean asleep = new AtomicBoolean();

  static CallbackWatchdog get() {
    return INSTANCE;
  }

  /** A filter with this callback budget is loaded: the watchdog looks at least five times per budget from now on. */
  synchronized void budget(long budgetNanos) {
    tickNanos = Math.min(tickNanos, Math.max(MIN_TICK_NANOS, budgetNanos / 5));
  }

  long tickNanos() {
    return tickNanos;
  }

  /** The guard of the calling thread (an event loop), registered once. */
  Guard guard() {
    Thread t = Thread.currentThread();
    for (Guard g : guards) if (g.thread == t) return g;
    Guard g = new Guard(t, this);
    guards.add(g);
    start();
    return g;
  }

  private synchronized void start() {
    if (thread != null) return;
    Thread w = new Thread(this::watch, "bff-wasm-watchdog");
    w.setDaemon(true);
    thread = w;
    w.start();
  }

  private void watch() {
    long lastActive = System.nanoTime();
    long seqs = 0;
    boolean woke = false;
    while (true) {
      if (!woke) LockSupport.parkNanos(this, tickNanos); // just woken by a callback: look at it at once
      woke = false;
      long now = System.nanoTime();
      long sum = 0;
      for (Guard g : guards) {
        if (!g.thread.isAlive()) {
          guards.remove(g);
          continue;
        }
        sum += g.seq; // racy read: it only decides when to sleep, and a callback wakes a sleeping watchdog itself
        g.look(now);
      }
      if (sum != seqs) {
        seqs = sum;
        lastActive = now;
      } else if (now - lastActive > IDLE_NANOS) {
        woke = sleep();
        lastActive = System.nanoTime();
      }
    }
  }

  /** Parks until a callback starts (true); returns false at once when one is in flight. */
  private boolean sleep() {
    asleep.set(true);
    for (Guard g : guards) {
      if (g.state.get() != IDLE) { // it entered before it could see asleep: keep watching
        asleep.set(false);
        return false;
      }
    }
    while (asleep.get()) LockSupport.park(this); // unpark is remembered: a wake between the check and here is not lost
    return true;
  }

  /** A callback starts: wakes the watchdog if it sleeps (the first callback after an idle second). */
  private void wake() {
    if (asleep.get() && asleep.compareAndSet(true, false)) LockSupport.unpark(thread);
  }

  boolean asleep() {
    return asleep.get();
  }

  /** One event loop's callback state: IDLE, a callback's sequence number, or an interrupt being delivered. */
  static final class Guard {
    private final Thread thread;
    private final CallbackWatchdog watchdog;
    private final AtomicLong state = new AtomicLong(IDLE);
    /**
     * The running callback's budget in µs (an int: always read whole). Written before its sequence number is
     * published (a volatile write) and read after the watchdog reads that number, so it sees this budget or a later
     * callback's (whose sequence number then no longer matches: its CAS fails).
     */
    private int budgetMicros;
    private long seq;
    /** The watchdog's own: the callback it last saw in flight on this loop, and when it first saw it. */
    private long seenSeq;
    private long seenAt;

    private Guard(Thread thread, CallbackWatchdog watchdog) {
      this.thread = thread;
      this.watchdog = watchdog;
    }

    /** A callback starts; it may run for {@code budgetMicros}. Not re-entrant (callbacks never nest). */
    long enter(int budgetMicros) {
      this.budgetMicros = budgetMicros;
      long s = ++seq;
      state.set(s);
      watchdog.wake();
      return s;
    }

    /** The callback ended (or threw); true when the watchdog stopped it. The thread's interrupt is cleared either way. */
    boolean exit(long s) {
      if (state.compareAndSet(s, IDLE)) return false;
      while (state.get() != INTERRUPTED) Thread.onSpinWait(); // the interrupt is on its way: let it land, then clear it
      Thread.interrupted();
      state.set(IDLE);
      return true;
    }

    /** The watchdog's look at {@code now}: a callback first seen a budget ago or more is stopped. */
    private void look(long now) {
      long s = state.get();
      if (s <= 0) return;
      if (s != seenSeq) { // new since the last look: it started at most a tick ago
        seenSeq = s;
        seenAt = now;
        return;
      }
      if (now - seenAt >= budgetMicros * 1000L && state.compareAndSet(s, INTERRUPTING)) {
        thread.interrupt();
        state.set(INTERRUPTED);
      }
    }
  }
}
