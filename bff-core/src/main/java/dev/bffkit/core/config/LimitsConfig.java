package dev.bffkit.core.config;

import java.time.Duration;

/**
 * {@code limits:} in bff.yaml: what a hostile client may send. Header and body sizes stay under
 * {@code server:} ({@code maxHeaderBytes} → 431, {@code maxBodyBytes} → 413).
 */
public record LimitsConfig(
    /** Longest request line (method, URI, version) in bytes; longer → 414. */
    int maxUriBytes,
    /**
     * A connection must deliver a complete request head within this, counted from when it opened
     * or its previous response ended (slowloris); otherwise it is closed. Bounds idle keep-alive too.
     */
    Duration headerReadTimeout,
    /** Open client connections per BFF (all event loops); beyond, new ones are closed at once. 0 = no limit. */
    int maxConnections,
    Graphql graphql,
    /**
     * A request body the gateway reads whole (GraphQL, transcoding, gRPC-Web, the WAF's prefix)
     * must arrive within this (408, then the connection closes): a body trickled at one byte per
     * second must not hold a socket for as long as its sender likes.
     */
    Duration bodyTimeout,
    /**
     * A body streamed to a proxy route must keep at least this rate (bytes per second, measured
     * over each {@code bodyTimeout} window); slower → the upstream call is reset and the
     * connection closed. 0 = no minimum.
     */
    int minBodyRate) {

  public LimitsConfig(int maxUriBytes, Duration headerReadTimeout, int maxConnections, Graphql graphql) {
    this(maxUriBytes, headerReadTimeout, maxConnections, graphql, Duration.ofSeconds(10), 1024);
  }

  public static LimitsConfig defaults() {
    return new LimitsConfig(8192, Duration.ofSeconds(60), 10_000, Graphql.defaults());
  }

  /** Limits on ad-hoc GraphQL (screens are trusted: written by the team, validated at start-up). */
  public record Graphql(
      int maxDepth,
      int maxAliases,
      int maxRootFields,
      /** Lexer tokens per document (graphql-java stops parsing beyond). */
      int maxTokens,
      /**
       * Estimated cost: each field 1, times the page sizes of the lists around it (an Int
       * argument first/last/limit/size/rows/rowSize/count/pageSize; 10 when it is a variable).
       */
      int maxCost,
      /** {@code __schema} / {@code __type} allowed. */
      boolean introspection,
      /** Apollo Automatic Persisted Queries (hash → query, learnt on first use). */
      boolean persistedQueries) {

    public static Graphql defaults() {
      return new Graphql(15, 30, 20, 5000, 20_000, true, true);
    }
  }
}
