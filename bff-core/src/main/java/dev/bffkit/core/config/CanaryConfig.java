package dev.bffkit.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code services.<name>.canary}: the endpoints whose labels include all of {@code subset} take
 * {@code share} of the traffic (decided per user: a hash of the sticky key, so a user does not
 * flip between versions) plus every request a {@code match} holds for.
 */
public record CanaryConfig(Map<String, String> subset, double share, List<Match> match, Sticky sticky,
    /** null: no automatic rollback. */
    Rollback rollback) {

  public CanaryConfig {
    subset = Map.copyOf(subset);
    match = List.copyOf(match);
  }

  /** One way a request asks for the canary: a header, a cookie or a claim of the verified principal equal to {@code value}. */
  public record Match(Source source, String name, String value) {
    public enum Source { HEADER, COOKIE, CLAIM }
  }

  /**
   * What keeps a user on one side: the verified principal's subject ({@code sub}), or a header
   * (a routing hint only, for deployments without auth). Callers without it are split per request.
   */
  public record Sticky(Source source, String name) {
    public enum Source { SUB, HEADER }

    public static Sticky sub() {
      return new Sticky(Source.SUB, null);
    }
  }

  /**
   * Automatic rollback: over {@code window}, once the canary made at least {@code minCalls} calls,
   * its error rate above both {@code minErrorRate} and {@code errorRatio} × stable's drops it to
   * share 0 (matches too).
   */
  public record Rollback(double errorRatio, int minCalls, Duration window, double minErrorRate) {}
}
