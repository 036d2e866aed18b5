package dev.bffkit.core.upstream;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps the calls one BFF has in flight to a service ({@code maxConcurrent}) and how many more
 * may wait for a slot ({@code maxPending}); beyond that a call fails at once with
 * {@link UpstreamException.Kind#OVERLOADED} instead of queueing without end. The fast path is one
 * compare-and-set; waiters are handed a freed slot on their own event loop.
 */
public final class Bulkhead {
  private final String service;
  private final int maxConcurrent;
  private final int maxPending;
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicInteger pending = new AtomicInteger();
  private final ConcurrentLinkedQueue<Waiter> queue = new ConcurrentLinkedQueue<>();

  public Bulkhead(String service, int maxConcurrent, int maxPending) {
    this.service = service;
    this.maxConcurrent = maxConcurrent;
    this.maxPending = maxPending;
  }

  /** Takes a slot if one is free. */
  public boolean tryAcquire() {
    for (int a = active.get(); a < maxConcurrent; a = active.get()) {
      if (active.compareAndSet(a, a + 1)) return true;
    }
    return false;
  }

  /**
   * Waits up to {@code maxWaitMs} for a slot (call after {@link #tryAcquire()} failed), or fails
   * at once when {@code maxPending} are already waiting.
   */
  public Future<Void> await(Vertx vertx, long maxWaitMs) {
    if (maxPending == 0 || maxWaitMs <= 0 || pending.incrementAndGet() > maxPending) {
      if (maxPending > 0 && maxWaitMs > 0) pending.decrementAndGet();
      return Future.failedFuture(overloaded());
    }
    Context ctx = vertx.getOrCreateContext();
    Waiter w = new Waiter(ctx);
    queue.add(w);
    w.timer = vertx.setTimer(maxWaitMs, id -> {
      if (w.claim()) {
        pending.decrementAndGet();
        queue.remove(w);
        w.promise.fail(overloaded());
      }
    });
    if (tryAcquire()) { // a slot freed while we queued
      if (w.claim()) {
        pending.decrementAndGet();
        queue.remove(w);
        vertx.cancelTimer(w.timer);
        w.promise.complete();
      } else {
        release();
      }
    }
    return w.promise.future();
  }

  public void release() {
    for (;;) {
      Waiter w = queue.poll();
      if (w != null) {
        if (w.claim()) {
          pending.decrementAndGet();
          w.ctx.runOnContext(v -> {
            w.ctx.owner().cancelTimer(w.timer);
            w.promise.complete();
          });
          return;
        }
        continue;
      }
      active.decrementAndGet();
      if (queue.isEmpty() || !tryAcquire()) return;
      // a waiter queued while we released: hand it the slot just re-taken
    }
  }

  public UpstreamException overloaded() {
    return new UpstreamException(service, UpstreamException.Kind.OVERLOADED,
        service + " is over its limit of " + maxConcurrent + " concurrent requests");
  }

  public int active() {
    return active.get();
  }

  public int pending() {
    return pending.get();
  }

  private static final class Waiter {
    final Context ctx;
    final Promise<Void> promise = Promise.promise();
    final AtomicBoolean claimed = new AtomicBoolean();
    volatile long timer;

    Waiter(Context ctx) {
      this.ctx = ctx;
    }

    boolean claim() {
      return claimed.compareAndSet(false, true);
    }
  }
}
