package dev.bffkit.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code services.<name>.canary}: the endpoints whose labels include all of {@code subset} take
 * {@code share} of the traffic (decided per user: a hash of the sticky key, so a user does not
 * flip between versions) plus every request a {@code match} holds for.
 */
public record CanaryConfig(Map<String, String> subset, double share, List<Condition> match, Sticky sticky,
    /** null: no automatic rollback. */
    Rollback rollback) {

  public CanaryConfig {
    subset = Map.copyOf(subset);
    match = List.copyOf(match);
  }

  /** The same split without automatic rollback (a warm-up copy's: its calls say nothing about the canary). */
  public CanaryConfig withoutRollback() {
    return new CanaryConfig(subset, share, match, sticky, null);
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
   * Automatic rollback, judged in SLO terms (the vocabulary of {@code observe.slos}): a call is bad
   * for availability when it is an error (5xx, transport failure, or the canary had no live
   * endpoint and the call fell back to stable), bad for latency when it took longer than
   * {@code latency.threshold}. Per side and objective, burn rate = bad ratio / (1 − target). Over
   * {@code window}, the canary is dropped to share 0 (matches too) when for either objective it made
   * at least {@code minCalls} calls and its burn rate is at least {@code minBurnRate} and above
   * {@code burnRatio} × stable's.
   */
  public record Rollback(
      /** Target share of calls that are not errors, below 1 (e.g. 0.999). */
      double availability,
      /** null: latency is not judged. */
      Latency latency, double burnRatio, double minBurnRate, int minCalls, Duration window) {
    public Rollback {
      if (!(availability >= 0 && availability < 1)) throw new IllegalArgumentException("availability must be in [0, 1): " + availability);
    }
  }

  /** {@code latency: { threshold: 300ms, target: 99% }}: the share of calls that must end within the threshold. */
  public record Latency(Duration threshold, double target) {
    public Latency {
      if (!(target >= 0 && target < 1)) throw new IllegalArgumentException("latency target must be in [0, 1): " + target);
    }
  }
}
