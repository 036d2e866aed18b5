package dev.bffkit.core.compose;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.bffkit.core.security.ApiKeys;

/**
 * Apollo Automatic Persisted Queries learnt at run time: SHA-256 hex → query text. One store per
 * BFF (on its {@link CompositionEngine}), so a hash registered through one connection is found
 * from every event loop. Reads are lock-free (Caffeine); maintenance runs on the calling thread,
 * never on a pool. Bounded twice: a query over {@link #MAX_QUERY_CHARS} is never stored, and the
 * store holds at most {@link #MAX_WEIGHT} characters, each entry weighing at least
 * {@link #MIN_ENTRY_WEIGHT} (so at most {@code MAX_WEIGHT / MIN_ENTRY_WEIGHT} entries).
 */
final class PersistedQueries {
  static final int MAX_QUERY_CHARS = 16 * 1024;
  static final int MIN_ENTRY_WEIGHT = 1024;
  static final long MAX_WEIGHT = 4L * 1024 * 1024;

  private final Cache<String, String> byHash = Caffeine.newBuilder()
      .maximumWeight(MAX_WEIGHT)
      .weigher((String hash, String query) -> Math.max(MIN_ENTRY_WEIGHT, query.length()))
      .executor(Runnable::run)
      .recordStats()
      .build();

  /** For the hit ratio in metrics. */
  Cache<String, String> cache() {
    return byHash;
  }

  /** The query registered under this lower-case hex hash, or null. */
  String get(String hash) {
    return byHash.getIfPresent(hash);
  }

  /**
   * Registers {@code query} under {@code hash} when the hash is the query's SHA-256 and the query
   * is small enough; returns whether the hash matches (a mismatch registers nothing).
   */
  boolean register(String hash, String query) {
    if (!matches(hash, query)) return false;
    if (query.length() <= MAX_QUERY_CHARS) byHash.put(hash, query);
    return true;
  }

  /** Whether {@code hash} (lower-case hex) is the SHA-256 of the query's UTF-8 bytes. */
  static boolean matches(String hash, String query) {
    return ApiKeys.sha256Hex(query).equals(hash);
  }

  /** Entries held now (after pending evictions); for tests. */
  long size() {
    byHash.cleanUp();
    return byHash.estimatedSize();
  }
}
