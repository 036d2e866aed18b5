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
 * No lock and no system call on the healthy path: one volatile write, a volatile read and two CASes per callback.
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
   * overruns its budget by a fifth of it at most (plus the check's distance). Each look is a wake-up of its own: a
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
    while (true) {
      LockSupport.parkNanos(this, tickNanos);
      long now = System.nanoTime();
      long sum = 0;
      for (Guard g : guards) {
        if (!g.thread.isAlive()) {
          guards.remove(g);
          continue;
        }
        sum += g.seq; // racy read: it only decides when to sleep, and a callback wakes a sleeping watchdog itself
        long s = g.state.get();
        if (s > 0 && now - g.deadline > 0 && g.state.compareAndSet(s, INTERRUPTING)) {
          g.thread.interrupt();
          g.state.set(INTERRUPTED);
        }
      }
      if (sum != seqs) {
        seqs = sum;
        lastActive = now;
      } else if (now - lastActive > IDLE_NANOS) {
        sleep();
        lastActive = System.nanoTime();
      }
    }
  }

  /** Parks until a callback starts; returns at once when one is in flight. */
  private void sleep() {
    asleep.set(true);
    for (Guard g : guards) {
      if (g.state.get() != IDLE) { // it entered before it could see asleep: keep watching
        asleep.set(false);
        return;
      }
    }
    while (asleep.get()) LockSupport.park(this); // unpark is remembered: a wake between the check and here is not lost
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
    private volatile long deadline;
    private long seq;

    private Guard(Thread thread, CallbackWatchdog watchdog) {
      this.thread = thread;
      this.watchdog = watchdog;
    }

    /** A callback starts; it may run until {@code deadlineNanos} (System.nanoTime). Not re-entrant (callbacks never nest). */
    long enter(long deadlineNanos) {
      deadline = deadlineNanos;
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
  }
}
