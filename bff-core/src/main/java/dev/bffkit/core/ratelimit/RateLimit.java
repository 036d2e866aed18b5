package dev.bffkit.core.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * One limit: {@code limit} requests per {@code period}, of which up to {@code burst} may arrive at
 * once. Enforced by GCRA ({@link Gcra}): emission interval T = ceil(period / limit) (rounded up so
 * the rate never exceeds limit/period), window = burst × T.
 *
 * <p>Headers (draft-ietf-httpapi-ratelimit-headers): {@code RateLimit-Policy: "name";q=limit;w=period
 * seconds}; the per-decision {@code RateLimit: "name";r=remaining;t=seconds} comes from {@link Decision}.
 */
public record RateLimit(String name, long limit, Duration period, int burst) {
  public RateLimit {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(period, "period");
    if (limit < 1) throw new IllegalArgumentException("rate limit " + name + ": limit must be >= 1, was " + limit);
    if (burst < 1) throw new IllegalArgumentException("rate limit " + name + ": burst must be >= 1, was " + burst);
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("rate limit " + name + ": period must be positive, was " + period);
    }
    long nanos;
    try {
      nanos = period.toNanos();
      Math.multiplyExact(ceilDiv(nanos, limit), (long) burst);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("rate limit " + name + ": period × burst / limit is too long", e);
    }
    if (nanos < limit) {
      throw new IllegalArgumentException("rate limit " + name + ": more than one request per nanosecond");
    }
  }

  /** A limit whose burst is its whole limit (e.g. 100/min, 100 at once). */
  public static RateLimit of(String name, long limit, Duration period) {
    return new RateLimit(name, limit, period, (int) Math.min(limit, Integer.MAX_VALUE));
  }

  /** T: the nanoseconds one request costs; a full bucket refills one request per T. */
  public long emissionNanos() {
    return ceilDiv(period.toNanos(), limit);
  }

  /** burst × T: the most a key's theoretical arrival time may run ahead of now. */
  public long windowNanos() {
    return emissionNanos() * burst;
  }

  /** The {@code w} parameter of {@code RateLimit-Policy}: the period in whole seconds, at least 1. */
  public long windowSeconds() {
    return Math.max(1, Gcra.ceilSeconds(period.toNanos()));
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }
}
