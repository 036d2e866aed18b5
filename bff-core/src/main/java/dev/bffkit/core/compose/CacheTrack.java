package dev.bffkit.core.compose;

import dev.bffkit.core.cache.CachePolicy;
import dev.bffkit.core.cache.FieldCache;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one request's fetches said about caching, for its screen's {@code Cache-Control} and the
 * {@code extensions.cache.stale} note: the least freshness left, whether any field was PRIVATE, whether any fetch
 * was not cached (then the answer is {@code private, no-cache} as without @cache), and each stale-on-error answer.
 * Written on the request's event loop only (the cache delivers there).
 */
final class CacheTrack {
  private int cached;
  private boolean uncached;
  private boolean anyPrivate;
  private long minFreshMillis = Long.MAX_VALUE;
  private long minSwrMillis = Long.MAX_VALUE;
  private long minSieMillis = Long.MAX_VALUE;
  private List<Map<String, Object>> stale;

  void uncached() {
    uncached = true;
  }

  void served(CacheBinding cb, FieldCache.Lookup l) {
    cached++;
    CachePolicy p = cb.policy();
    if (p.scope() == CachePolicy.Scope.PRIVATE) anyPrivate = true;
    minFreshMillis = Math.min(minFreshMillis, l.freshForMillis());
    minSwrMillis = Math.min(minSwrMillis, p.staleWhileRevalidate().toMillis());
    minSieMillis = Math.min(minSieMillis, p.staleIfError().toMillis());
    if (l.source() == FieldCache.Source.STALE_IF_ERROR) {
      if (stale == null) stale = new ArrayList<>(2);
      Map<String, Object> note = new LinkedHashMap<>(4);
      note.put("field", cb.coordinates());
      note.put("ageSeconds", l.ageMillis() / 1000);
      note.put("reason", l.reason());
      stale.add(note);
    }
  }

  /** {@code {"cache":{"stale":[...]}}} when a stale answer covered a failing service; else null. */
  Map<String, Object> extensions() {
    return stale == null ? null : Map.of("cache", Map.of("stale", List.copyOf(stale)));
  }

  /**
   * The screen's {@code Cache-Control}: {@code fallback} (private, no-cache) unless every fetch was answered by the
   * cache and none stale on error; then the least freshness left, PRIVATE when any field was or {@code authorized}.
   */
  String cacheControl(boolean authorized, String fallback) {
    if (cached == 0 || uncached || stale != null) return fallback;
    StringBuilder sb = new StringBuilder(64);
    sb.append(anyPrivate || authorized ? "private" : "public").append(", max-age=").append(minFreshMillis / 1000);
    if (minSwrMillis > 0) sb.append(", stale-while-revalidate=").append(minSwrMillis / 1000);
    if (minSieMillis > 0) sb.append(", stale-if-error=").append(minSieMillis / 1000);
    return sb.toString();
  }
}
