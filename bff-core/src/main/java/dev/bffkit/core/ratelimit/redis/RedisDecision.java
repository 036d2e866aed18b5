package dev.bffkit.core.ratelimit.redis;

/**
 * The answer of one global decision over one or more limits. A {@link RedisLimiter} future never fails: when
 * Redis cannot answer in time the decision is {@link Outcome#UNAVAILABLE} with a {@link Failure} saying why,
 * and the caller applies its configured mode (fail-open with the local limiter as a floor, or fail-closed).
 */
public final class RedisDecision {

  /** What Redis decided, or that it could not. */
  public enum Outcome { ALLOWED, REFUSED, UNAVAILABLE }

  /** Why there is no decision ({@link #NONE} when there is one). */
  public enum Failure {
    NONE,
    /** Not tried: the limiter holds Redis for down until its probe succeeds (no request waits on a dead Redis). */
    DOWN,
    /** No answer within the per-call timeout (Redis slow, stopped, or the network gone). */
    TIMEOUT,
    /** No connection: refused, closed, or Redis answered that it cannot serve (LOADING, BUSY, MASTERDOWN...). */
    UNREACHABLE,
    /** This BFF's own pool queue to Redis is full: more decisions in flight than the pool admits. */
    OVERLOADED,
    /** Redis answered with an error or an unexpected reply (e.g. a key of another type, out of memory). */
    ERROR
  }

  private static final long[] NONE = new long[0];
  static final RedisDecision DOWN = unavailable(Failure.DOWN);
  static final RedisDecision TIMEOUT = unavailable(Failure.TIMEOUT);
  static final RedisDecision UNREACHABLE = unavailable(Failure.UNREACHABLE);
  static final RedisDecision OVERLOADED = unavailable(Failure.OVERLOADED);
  static final RedisDecision ERROR = unavailable(Failure.ERROR);

  private final Outcome outcome;
  private final Failure failure;
  private final long retryAfterMillis;
  private final boolean quotaRefused;
  private final long used;
  private final long[] remaining;
  private final long[] resetAfterMillis;

  RedisDecision(Outcome outcome, Failure failure, long retryAfterMillis, boolean quotaRefused, long used,
      long[] remaining, long[] resetAfterMillis) {
    this.outcome = outcome;
    this.failure = failure;
    this.retryAfterMillis = retryAfterMillis;
    this.quotaRefused = quotaRefused;
    this.used = used;
    this.remaining = remaining;
    this.resetAfterMillis = resetAfterMillis;
  }

  private static RedisDecision unavailable(Failure failure) {
    return new RedisDecision(Outcome.UNAVAILABLE, failure, 0, false, -1, NONE, NONE);
  }

  public Outcome outcome() { return outcome; }

  public Failure failure() { return failure; }

  public boolean allowed() { return outcome == Outcome.ALLOWED; }

  public boolean refused() { return outcome == Outcome.REFUSED; }

  public boolean unavailable() { return outcome == Outcome.UNAVAILABLE; }

  /** When refused: ms until every refusing limit admits one more (for {@code Retry-After}); otherwise 0. */
  public long retryAfterMillis() { return retryAfterMillis; }

  /** Refused because the period's usage reached the quota (the limits themselves would have allowed). */
  public boolean quotaRefused() { return quotaRefused; }

  /** The period's usage after this request when metered and allowed, as it was when refused; -1 when unmetered. */
  public long used() { return used; }

  /** The number of limits decided (0 when unavailable). */
  public int limits() { return remaining.length; }

  /**
   * Limit {@code i}'s requests still admitted at once: after this one when allowed; as they were when refused
   * (nothing was consumed).
   */
  public long remaining(int i) { return remaining[i]; }

  /** Ms until limit {@code i} is back to its full burst (the {@code RateLimit} header's reset). */
  public long resetAfterMillis(int i) { return resetAfterMillis[i]; }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("outcome=").append(outcome);
    if (failure != Failure.NONE) b.append(" failure=").append(failure);
    if (outcome == Outcome.REFUSED) b.append(" retry_after_ms=").append(retryAfterMillis);
    if (quotaRefused) b.append(" quota_refused=true");
    if (used >= 0) b.append(" used=").append(used);
    for (int i = 0; i < remaining.length; i++) {
      b.append(" remaining_").append(i).append('=').append(remaining[i])
          .append(" reset_ms_").append(i).append('=').append(resetAfterMillis[i]);
    }
    return b.toString();
  }
}
