package dev.bffkit.core.cache;

import io.vertx.core.buffer.Buffer;
import java.util.Set;

/**
 * One kept upstream answer: its bytes as the service sent them (never a projected value, so every selection of the
 * field shares it), when it was stored, its windows, and its tags. Immutable; the same on both tiers.
 */
public record CachedEntry(Buffer value, long storedAtMillis, long maxAgeMillis, long staleWhileRevalidateMillis,
    long staleIfErrorMillis, Set<String> tags) {

  /** Where an entry stands at a time. */
  public enum State {
    /** Within maxAge: served as is. */
    FRESH,
    /** Past maxAge, within stale-while-revalidate: served, and refreshed once in the background. */
    STALE,
    /** Past both windows but within stale-if-error: served only when the service fails. */
    STALE_IF_ERROR,
    /** Worth nothing. */
    EXPIRED
  }

  public CachedEntry {
    tags = Set.copyOf(tags);
  }

  public static CachedEntry of(Buffer value, long nowMillis, CachePolicy p, Set<String> tags) {
    return new CachedEntry(value, nowMillis, p.maxAge().toMillis(), p.staleWhileRevalidate().toMillis(),
        p.staleIfError().toMillis(), tags);
  }

  public State state(long nowMillis) {
    long age = nowMillis - storedAtMillis;
    if (age < maxAgeMillis) return State.FRESH;
    long stale = age - maxAgeMillis;
    if (stale < staleWhileRevalidateMillis) return State.STALE;
    if (stale < staleIfErrorMillis) return State.STALE_IF_ERROR;
    return State.EXPIRED;
  }

  public long ageMillis(long nowMillis) {
    return Math.max(0, nowMillis - storedAtMillis);
  }

  /** Milliseconds the entry is still worth keeping at {@code nowMillis} (0: drop it). */
  public long remainingLifetimeMillis(long nowMillis) {
    long end = storedAtMillis + maxAgeMillis + Math.max(staleWhileRevalidateMillis, staleIfErrorMillis);
    return Math.max(0, end - nowMillis);
  }
}
