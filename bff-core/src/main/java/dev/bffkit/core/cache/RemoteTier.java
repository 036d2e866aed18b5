package dev.bffkit.core.cache;

import io.vertx.core.Future;
import java.util.function.Consumer;

/**
 * The fleet's shared tier behind the instance's own ({@code composition.cache.redis}). Every operation is bounded by
 * the tier's timeout and never fails the request: a lookup that errs or times out is a miss (null), a write is fire
 * and forget. Invalidations made on any instance reach every instance's local tier through {@link #onInvalidation}.
 */
public interface RemoteTier {

  /** The entry, or null when absent, corrupt, timed out or the tier is down. */
  Future<CachedEntry> get(String key);

  /** Stores it for its remaining lifetime; fire and forget. */
  void put(String key, CachedEntry entry);

  /** Drops every entry whose key starts with {@code prefix}, here and (published) on every instance; how many here. */
  Future<Long> invalidatePrefix(String prefix);

  /** Drops every entry tagged {@code tag}, here and (published) on every instance; how many here. */
  Future<Long> invalidateTag(String tag);

  /** Called (on any thread) for each invalidation published by any instance, this one included. */
  void onInvalidation(Consumer<Invalidation> listener);

  Future<Void> close();

  /** One published invalidation: by key prefix or by tag (exactly one is set). */
  record Invalidation(String prefix, String tag) {}
}
