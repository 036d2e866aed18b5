package dev.bffkit.core.compose;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.bffkit.core.security.ApiKeys;
import io.vertx.core.Future;

/**
 * Apollo Automatic Persisted Queries learnt at run time: SHA-256 hex → query text. One store per
 * BFF (on its {@link CompositionEngine}), so a hash registered through one connection is found
 * from every event loop. Reads are lock-free (Caffeine); maintenance runs on the calling thread,
 * never on a pool. Bounded twice: a query over {@link #MAX_QUERY_CHARS} is never stored, and the
 * store holds at most {@link #MAX_WEIGHT} characters, each entry weighing at least
 * {@link #MIN_ENTRY_WEIGHT} (so at most {@code MAX_WEIGHT / MIN_ENTRY_WEIGHT} entries). With the fleet's Redis
 * ({@link SharedPersistedQueries}) a new registration is also written there, and a hash this instance does not know
 * is looked up there before the client is told to send its query.
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
  /** The fleet's registrations; null when each instance keeps its own. */
  private volatile SharedPersistedQueries shared;

  void share(SharedPersistedQueries fleet) {
    this.shared = fleet;
  }

  /** Whether a hash unknown here may be known to the fleet. */
  boolean shared() {
    return shared != null;
  }

  /** For the hit ratio in metrics. */
  Cache<String, String> cache() {
    return byHash;
  }

  /** The query registered under this lower-case hex hash, or null. */
  String get(String hash) {
    return byHash.getIfPresent(hash);
  }

  /** As {@link #get}, then the fleet's (what it finds is kept here too); completes with null when nobody knows it. */
  Future<String> lookup(String hash) {
    String known = get(hash);
    SharedPersistedQueries fleet = shared;
    if (known != null || fleet == null) return Future.succeededFuture(known);
    return fleet.get(hash).map(found -> {
      if (found != null && found.length() <= MAX_QUERY_CHARS) byHash.put(hash, found);
      return found;
    });
  }

  /**
   * Registers {@code query} under {@code hash} when the hash is the query's SHA-256 and the query
   * is small enough; returns whether the hash matches (a mismatch registers nothing). A registration
   * new to this instance goes to the fleet's Redis too (once, not on every request that carries it).
   */
  boolean register(String hash, String query) {
    if (!matches(hash, query)) return false;
    if (query.length() <= MAX_QUERY_CHARS && byHash.asMap().putIfAbsent(hash, query) == null) {
      SharedPersistedQueries fleet = shared;
      if (fleet != null) fleet.put(hash, query);
    }
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
