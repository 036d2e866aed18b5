package dev.bffkit.core.ratelimit;

/**
 * The answer to one {@link LocalLimiter#decide} call, filled in place. It is a caller-owned
 * mutable object (one per event loop or per request, reused) rather than a packed {@code long}:
 * no allocation either way, but this one keeps full nanosecond precision and names the binding
 * limit, which the {@code RateLimit} header needs for its policy name. Not thread-safe: one
 * decision at a time per instance.
 *
 * <p>The binding limit: when refused, the refusing limit with the longest wait; when allowed, the
 * limit with the fewest remaining requests (the first on a tie).
 */
public final class Decision {
  boolean allowed;
  int limitIndex;
  RateLimit limit;
  long remaining;
  long resetAfterNanos;
  long retryAfterNanos;

  // Scratch for LocalLimiter's check-then-commit, kept here so a decision allocates nothing.
  Object[] cells = new Object[4];
  long[] before = new long[4];
  long[] after = new long[4];

  public boolean allowed() {
    return allowed;
  }

  /** Index of the binding limit in the array passed to {@code decide}. */
  public int limitIndex() {
    return limitIndex;
  }

  public RateLimit limit() {
    return limit;
  }

  /** Requests the binding limit would still allow at once (0 when refused). */
  public long remaining() {
    return remaining;
  }

  /** Nanos until the binding limit's bucket is full again. */
  public long resetAfterNanos() {
    return resetAfterNanos;
  }

  /** Nanos until a request would be allowed; 0 when allowed. */
  public long retryAfterNanos() {
    return retryAfterNanos;
  }

  /** The {@code t} parameter of the {@code RateLimit} header: seconds until reset, rounded up. */
  public long resetSeconds() {
    return Gcra.ceilSeconds(resetAfterNanos);
  }

  /** {@code Retry-After} in seconds (RFC 9110 §10.2.3), rounded up so a client that waits it is allowed; 0 when allowed. */
  public long retryAfterSeconds() {
    return Gcra.ceilSeconds(retryAfterNanos);
  }

  void set(boolean allowed, int index, RateLimit limit, long remaining, long resetAfter, long retryAfter) {
    this.allowed = allowed;
    this.limitIndex = index;
    this.limit = limit;
    this.remaining = remaining;
    this.resetAfterNanos = resetAfter;
    this.retryAfterNanos = retryAfter;
  }

  void ensureScratch(int n) {
    if (cells.length < n) {
      cells = new Object[n];
      before = new long[n];
      after = new long[n];
    }
  }

  @Override
  public String toString() {
    return "Decision{allowed=" + allowed + ", limit=" + (limit == null ? null : limit.name()) + ", remaining=" + remaining
        + ", resetAfterNanos=" + resetAfterNanos + ", retryAfterNanos=" + retryAfterNanos + '}';
  }
}
