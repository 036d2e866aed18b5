package dev.bffkit.core.internal;

import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A one-shot timer on the calling event loop, for timers set and cancelled on every request (a
 * proxied exchange's deadline, an upstream try's budget). {@code Vertx.setTimer} also files each
 * timer in a shared ConcurrentHashMap and in the deployment's close hooks: set plus cancel was
 * 2.4 % of a proxied request's CPU (issue 14's profile); straight on Netty's loop it is a
 * priority-queue insert and remove. The action runs with the context current, as a Vert.x timer's
 * would. Undeploying does not cancel it; the callers' actions are harmless on closed requests.
 */
public final class LoopTimer {
  private LoopTimer() {}

  /** Runs {@code action} after {@code delayMs} (at least 1) on the current context's loop (or {@code vertx}'s, off one). */
  public static ScheduledFuture<?> start(Vertx vertx, long delayMs, Runnable action) {
    ContextInternal ctx = ContextInternal.current();
    if (ctx == null) ctx = ((VertxInternal) vertx).getOrCreateContext();
    ContextInternal on = ctx;
    return ctx.nettyEventLoop().schedule(() -> on.dispatch(action), Math.max(1, delayMs), TimeUnit.MILLISECONDS);
  }

  /** Cancels {@code timer} if it is set and has not fired. */
  public static void cancel(ScheduledFuture<?> timer) {
    if (timer != null) timer.cancel(false);
  }
}
