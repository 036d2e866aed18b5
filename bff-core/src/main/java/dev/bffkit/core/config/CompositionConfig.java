package dev.bffkit.core.config;

import java.time.Duration;

/** {@code composition:} in bff.yaml: how screens and ad-hoc GraphQL are served. */
public record CompositionConfig(
    /** The whole request's budget; every upstream call inherits what is left of it. */
    Duration deadline,
    /** Serve ad-hoc queries at {@link #graphqlPath}; when false only screens run. */
    boolean adhocGraphql,
    String graphqlPath,
    /** Screens are served at {@code screensPath + "/" + name}. */
    String screensPath,
    /** Batched calls carry at most this many keys; more keys make more calls. */
    int maxBatchSize,
    /** {@code composition.cache}: the field cache that {@code @cache} fields use. */
    CacheConfig cache) {

  public CompositionConfig {
    if (cache == null) cache = CacheConfig.defaults();
  }

  /** With the field cache's defaults. */
  public CompositionConfig(Duration deadline, boolean adhocGraphql, String graphqlPath, String screensPath,
      int maxBatchSize) {
    this(deadline, adhocGraphql, graphqlPath, screensPath, maxBatchSize, null);
  }

  /** A warm-up's copy: the field cache stays (its code path warms) but never reaches the fleet's shared tier. */
  public CompositionConfig withoutSharedCache() {
    CacheConfig c = new CacheConfig(cache.enabled(), cache.maxBytes(), cache.maxEntryBytes(), CacheConfig.Redis.off());
    return new CompositionConfig(deadline, adhocGraphql, graphqlPath, screensPath, maxBatchSize, c);
  }

  public static CompositionConfig defaults() {
    return new CompositionConfig(Duration.ofSeconds(3), true, "/graphql", "/v1/screens", 100);
  }
}
