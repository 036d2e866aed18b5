package dev.bffkit.core.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.bffkit.core.config.CanaryConfig;
import dev.bffkit.core.observe.slo.Objective;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rollback judge alone: counts in, the objective that fires (or none) out; no timers, no traffic. */
class CanaryRollbackJudgeTest {
  /** availability 99.9 % (budget 0.1 %), latency 99 % within 300 ms (budget 1 %), burnRatio 2, minBurnRate 1, minCalls 100. */
  private static final CanaryConfig.Rollback RULE = new CanaryConfig.Rollback(0.999,
      new CanaryConfig.Latency(Duration.ofMillis(300), 0.99), 2, 1, 100, Duration.ofMinutes(1));
  private static final CanaryConfig.Rollback NO_LATENCY = new CanaryConfig.Rollback(0.999, null, 2, 1, 100,
      Duration.ofMinutes(1));
  /** The old defaults (errorRatio 2, minErrorRate 5 %) as burn rates: availability 99 %, minBurnRate 5. */
  private static final CanaryConfig.Rollback OLD = new CanaryConfig.Rollback(0.99, null, 2, 5, 50, Duration.ofMinutes(1));

  private record Row(String name, CanaryConfig.Rollback rule, CanaryRollback.Counts canary, CanaryRollback.Counts stable,
      Objective fires, double canaryBurn, double stableBurn) {}

  private static CanaryRollback.Counts n(long calls, long errors, long slow, long fallbacks) {
    return new CanaryRollback.Counts(calls, errors, slow, fallbacks);
  }

  @Test
  void table() {
    Objective a = Objective.AVAILABILITY;
    Objective l = Objective.LATENCY;
    for (Row r : List.of(
        new Row("no traffic", RULE, n(0, 0, 0, 0), n(0, 0, 0, 0), null, 0, 0),
        new Row("minCalls not reached, every call failing", RULE, n(99, 99, 99, 0), n(1000, 0, 0, 0), null, 0, 0),
        new Row("minCalls reached exactly", RULE, n(100, 100, 0, 0), n(1000, 0, 0, 0), a, 1000, 0),
        new Row("fallbacks make up minCalls for availability", RULE, n(40, 0, 0, 60), n(1000, 0, 0, 0), a, 600, 0),
        new Row("fallbacks alone", RULE, n(0, 0, 0, 100), n(0, 0, 0, 0), a, 1000, 0),
        new Row("0 stable calls: canary held to minBurnRate alone", RULE, n(1000, 2, 0, 0), n(0, 0, 0, 0), a, 2, 0),
        new Row("0 stable calls, canary under minBurnRate", RULE, n(10_000, 5, 0, 0), n(0, 0, 0, 0), null, 0, 0),
        new Row("same error rate both sides", RULE, n(1000, 50, 0, 0), n(10_000, 500, 0, 0), null, 0, 0),
        new Row("exactly burnRatio x stable does not fire", RULE, n(1000, 20, 0, 0), n(1000, 10, 0, 0), null, 0, 0),
        new Row("just above burnRatio x stable", RULE, n(1000, 21, 0, 0), n(1000, 10, 0, 0), a, 21, 10),
        new Row("burn exactly minBurnRate fires", RULE, n(1000, 1, 0, 0), n(1000, 0, 0, 0), a, 1, 0),
        new Row("canary slow, stable fast", RULE, n(1000, 0, 1000, 0), n(1000, 0, 0, 0), l, 100, 0),
        new Row("both equally slow", RULE, n(1000, 0, 500, 0), n(1000, 0, 500, 0), null, 0, 0),
        new Row("slow calls under the latency budget", RULE, n(1000, 0, 9, 0), n(1000, 0, 0, 0), null, 0, 0),
        new Row("fallbacks do not count for latency", RULE, n(50, 0, 50, 1000), n(1000, 0, 0, 0), a, 1000 / 1.05, 0),
        new Row("slowness without a latency objective", NO_LATENCY, n(1000, 0, 1000, 0), n(1000, 0, 0, 0), null, 0, 0),
        new Row("both burn: availability is reported", RULE, n(1000, 100, 1000, 0), n(1000, 0, 0, 0), a, 100, 0),
        new Row("old defaults: 4 % errors is under minErrorRate 5 %", OLD, n(1000, 40, 0, 0), n(1000, 0, 0, 0), null, 0, 0),
        new Row("old defaults: 6 % vs 2 %", OLD, n(1000, 60, 0, 0), n(1000, 20, 0, 0), a, 6, 2))) {
      CanaryRollback.Verdict v = CanaryRollback.judge(r.rule(), r.canary(), r.stable());
      if (r.fires() == null) {
        assertNull(v, r.name());
        continue;
      }
      assertEquals(r.fires(), v == null ? null : v.sli(), r.name());
      assertEquals(r.canaryBurn(), v.canaryBurnRate(), 1e-6, r.name());
      assertEquals(r.stableBurn(), v.stableBurnRate(), 1e-6, r.name());
    }
  }
}
