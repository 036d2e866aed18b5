package dev.bffkit.core.upstream;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Finagle's retry budget: every original request deposits {@code budget} of a token, every
 * retry withdraws a whole one, so retries stay at most {@code budget} × requests (plus
 * {@code minPerSecond} so that a quiet service may still retry). A dead service thus sees at
 * most (1 + budget) × the traffic instead of (1 + maxRetries) ×. The balance is capped at 100
 * tokens so a long healthy stretch does not save up a retry storm. Shared by a BFF's event loops:
 * a deposit is one atomic read (and an add until the cap is reached).
 */
public final class RetryBudget {
  private static final long TOKEN = 1000;
  private static final long CAP = 100 * TOKEN;

  private final long deposit;
  private final int minPerSecond;
  private final AtomicLong balance = new AtomicLong();
  private final AtomicLong reserveSecond = new AtomicLong();
  private final AtomicInteger reserveUsed = new AtomicInteger();

  public RetryBudget(double budget, int minPerSecond) {
    this.deposit = Math.round(budget * TOKEN);
    this.minPerSecond = minPerSecond;
  }

  /** One original request. */
  public void deposit() {
    if (deposit > 0 && balance.get() < CAP) balance.addAndGet(deposit);
  }

  /** Whether one retry may go. */
  public boolean tryWithdraw() {
    for (long b = balance.get(); b >= TOKEN; b = balance.get()) {
      if (balance.compareAndSet(b, b - TOKEN)) return true;
    }
    if (minPerSecond == 0) return false;
    long second = System.nanoTime() / 1_000_000_000L;
    long seen = reserveSecond.get();
    if (seen != second && reserveSecond.compareAndSet(seen, second)) reserveUsed.set(0);
    return reserveUsed.incrementAndGet() <= minPerSecond;
  }

  /** Whole tokens available (for metrics). */
  public long balance() {
    return balance.get() / TOKEN;
  }
}
