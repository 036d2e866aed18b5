package dev.bffkit.core.cache;

import java.time.Duration;
import java.util.List;

/**
 * What one {@code @cache} field declares: how long its answer is fresh, who may share it, and how long a stale answer
 * may still serve (while it is refreshed, or while its service fails). Compiled once at start-up.
 */
public record CachePolicy(
    Duration maxAge,
    Scope scope,
    /** After maxAge: served at once while one background call refreshes it. */
    Duration staleWhileRevalidate,
    /** After maxAge: served when the service fails (5xx, transport error, timeout, open breaker), never on a 4xx. */
    Duration staleIfError,
    /** Declared tags (templates resolved per request by the compose side); invalidation by tag reaches them. */
    List<String> tags) {

  /** PUBLIC: one answer for every caller (fetched without identity); PRIVATE: per principal, never shared. */
  public enum Scope { PUBLIC, PRIVATE }

  public CachePolicy {
    tags = List.copyOf(tags);
  }

  /** How long an entry is worth keeping at all: fresh, then the longer of its two stale windows. */
  public long lifetimeMillis() {
    return maxAge.toMillis() + Math.max(staleWhileRevalidate.toMillis(), staleIfError.toMillis());
  }
}
