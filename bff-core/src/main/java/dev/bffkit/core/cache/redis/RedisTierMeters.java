package dev.bffkit.core.cache.redis;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.logging.Logger;

/**
 * {@code bff_field_cache_redis_total{result}}: what the shared tier did, made once at start-up. A timeout counts as an
 * error (the field was a local miss all the same); corrupt is an entry that did not decode (also a miss). Failures are
 * logged once per streak, for the tier's commands and for the invalidation bus apart, so a Redis outage writes two
 * lines, not one per request.
 */
final class RedisTierMeters {
  static final Logger LOG = Logger.getLogger("dev.bffkit.cache");
  static final String NAME = "bff_field_cache_redis_total";
  static final long QUIET_MS = 1000;

  final Counter hit;
  final Counter miss;
  final Counter error;
  final Counter write;
  final Counter skipped;
  final Counter corrupt;
  final Streak commands = new Streak("field_cache_redis", "fields are local misses and entries stay in the instance");
  final Streak bus = new Streak("field_cache_bus",
      "invalidations made elsewhere miss this instance until it resubscribes (then it drops its local entries)");

  private final String bff;

  RedisTierMeters(MeterRegistry registry, String bff) {
    this.bff = bff;
    hit = counter(registry, "hit");
    miss = counter(registry, "miss");
    error = counter(registry, "error");
    write = counter(registry, "write");
    skipped = counter(registry, "skipped");
    corrupt = counter(registry, "corrupt");
  }

  private static Counter counter(MeterRegistry registry, String result) {
    return Counter.builder(NAME).description("Field cache lookups and writes on the fleet's Redis")
        .tag("result", result).register(registry);
  }

  /**
   * Counts every failure; logs the first of a streak and the recovery after it. A streak ends after a success with no
   * failure for {@link #QUIET_MS}, so a Redis that answers some commands and times out others writes two lines, not
   * one per flip.
   */
  final class Streak {
    private final String event;
    private final String effect;
    private volatile boolean failing;
    private volatile long lastFailure;

    Streak(String event, String effect) {
      this.event = event;
      this.effect = effect;
    }

    void failed(String op, Throwable e) {
      error.increment();
      lastFailure = System.currentTimeMillis();
      if (!failing) {
        failing = true;
        LOG.warning("event=" + event + "_failed bff=" + bff + " op=" + op + " error=" + e.getClass().getSimpleName()
            + ": " + e.getMessage() + " effect=" + effect);
      }
    }

    void recovered() {
      if (failing && System.currentTimeMillis() - lastFailure >= QUIET_MS) {
        failing = false;
        LOG.info("event=" + event + "_recovered bff=" + bff);
      }
    }

    boolean failing() {
      return failing;
    }
  }
}
