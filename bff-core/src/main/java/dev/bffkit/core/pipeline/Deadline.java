package dev.bffkit.core.pipeline;

import java.time.Duration;

/**
 * An absolute point in time (monotonic clock) by which a request must be answered. Every
 * upstream call inherits the request's deadline; a field's {@code @timeout} can only tighten it.
 */
public record Deadline(long atNanos) {

  public static Deadline in(Duration d) {
    return new Deadline(System.nanoTime() + d.toNanos());
  }

  public static Deadline inMillis(long ms) {
    return new Deadline(System.nanoTime() + ms * 1_000_000L);
  }

  /** Milliseconds left, never negative. */
  public long remainingMillis() {
    long left = atNanos - System.nanoTime();
    return left <= 0 ? 0 : Math.max(1, left / 1_000_000L);
  }

  public boolean expired() {
    return System.nanoTime() - atNanos >= 0;
  }

  /** The earlier of this deadline and {@code now + ms}. */
  public Deadline tighten(long ms) {
    long other = System.nanoTime() + ms * 1_000_000L;
    return other - atNanos < 0 ? new Deadline(other) : this;
  }
}
