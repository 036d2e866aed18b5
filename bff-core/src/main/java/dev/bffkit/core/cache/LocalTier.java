package dev.bffkit.core.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The instance's own tier: Caffeine bounded by weight (key chars x2 + answer bytes + 64), each entry expiring at the
 * end of its longest window, maintenance run by the calling thread (no executor, no scheduler thread). A tag to keys
 * index, cleaned by the removal listener, lets an invalidation by tag reach its keys without a scan.
 */
final class LocalTier {
  /** Per-entry overhead counted in the weight: the entry record, its node and the index references. */
  static final int ENTRY_OVERHEAD = 64;

  private final Cache<String, CachedEntry> cache;
  private final Map<String, Set<String>> byTag = new ConcurrentHashMap<>();
  private final LongSupplier clockMillis;

  LocalTier(long maxBytes, LongSupplier clockMillis) {
    this.clockMillis = clockMillis;
    this.cache = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher((String k, CachedEntry e) -> weight(k, e))
        .expireAfter(new Expiry<String, CachedEntry>() {
          @Override
          public long expireAfterCreate(String k, CachedEntry e, long now) {
            return e.remainingLifetimeMillis(clockMillis.getAsLong()) * 1_000_000L;
          }

          @Override
          public long expireAfterUpdate(String k, CachedEntry e, long now, long current) {
            return expireAfterCreate(k, e, now);
          }

          @Override
          public long expireAfterRead(String k, CachedEntry e, long now, long current) {
            return current;
          }
        })
        .ticker(() -> clockMillis.getAsLong() * 1_000_000L)
        .executor(Runnable::run)
        .removalListener(this::removed)
        .recordStats()
        .build();
  }

  static int weight(String key, CachedEntry e) {
    long w = (long) key.length() * 2 + e.value().length() + ENTRY_OVERHEAD;
    return (int) Math.min(Integer.MAX_VALUE, w);
  }

  /** The entry unless absent or past every window. */
  CachedEntry get(String key) {
    CachedEntry e = cache.getIfPresent(key);
    return e == null || e.state(clockMillis.getAsLong()) == CachedEntry.State.EXPIRED ? null : e;
  }

  void put(String key, CachedEntry e) {
    for (String t : e.tags()) byTag.computeIfAbsent(t, x -> ConcurrentHashMap.newKeySet()).add(key);
    cache.put(key, e);
  }

  void remove(String key) {
    cache.invalidate(key);
  }

  long invalidatePrefix(String prefix) {
    List<String> hit = new ArrayList<>();
    for (String k : cache.asMap().keySet()) if (k.startsWith(prefix)) hit.add(k);
    long n = 0;
    for (String k : hit) if (cache.asMap().remove(k) != null) n++;
    return n;
  }

  long invalidateTag(String tag) {
    Set<String> keys = byTag.remove(tag);
    if (keys == null) return 0;
    long n = 0;
    for (String k : keys) if (cache.asMap().remove(k) != null) n++;
    return n;
  }

  long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  long weight() {
    return cache.policy().eviction().map(ev -> ev.weightedSize().orElse(0L)).orElse(0L);
  }

  int tagCount() {
    return byTag.size();
  }

  Cache<String, CachedEntry> caffeine() {
    return cache;
  }

  private void removed(String key, CachedEntry old, RemovalCause cause) {
    if (key == null || old == null) return;
    CachedEntry now = cause == RemovalCause.REPLACED ? cache.getIfPresent(key) : null;
    for (String t : old.tags()) {
      if (now != null && now.tags().contains(t)) continue;
      byTag.computeIfPresent(t, (x, keys) -> {
        keys.remove(key);
        return keys.isEmpty() ? null : keys;
      });
    }
  }
}
