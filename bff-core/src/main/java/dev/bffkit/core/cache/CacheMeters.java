package dev.bffkit.core.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The field cache's meters. Labels are field coordinates (a bounded set: the schema's {@code @cache} fields, made
 * when an engine attaches) and fixed words; never a key, a path or a user.
 */
final class CacheMeters {
  static final String REQUESTS = "bff.field.cache.requests";
  static final String REVALIDATIONS = "bff.field.cache.revalidations";
  static final String INVALIDATIONS = "bff.field.cache.invalidations";

  private final MeterRegistry registry;
  private final Map<String, Field> fields = new ConcurrentHashMap<>();
  private final Counter byPrefix;
  private final Counter byTag;

  CacheMeters(MeterRegistry registry, LocalTier local) {
    this.registry = registry;
    String help = "Invalidations through the admin API or the shared tier";
    this.byPrefix = registry == null ? null
        : Counter.builder(INVALIDATIONS).description(help).tag("by", "prefix").register(registry);
    this.byTag = registry == null ? null
        : Counter.builder(INVALIDATIONS).description(help).tag("by", "tag").register(registry);
    if (registry != null) {
      Gauge.builder("bff.field.cache.bytes", local, LocalTier::weight)
          .description("Weight of the in-process field cache (keys x2 + answer bytes + 64 per entry)")
          .baseUnit("bytes").register(registry);
      CaffeineCacheMetrics.monitor(registry, local.caffeine(), "field_cache");
    }
  }

  /** The field's meters, made once per field (at attach; a field first seen later is made then). */
  Field field(String coordinates) {
    Field f = fields.get(coordinates);
    return f != null ? f : fields.computeIfAbsent(coordinates, c -> new Field(registry, c));
  }

  void invalidated(boolean prefix) {
    Counter c = prefix ? byPrefix : byTag;
    if (c != null) c.increment();
  }

  /** Per field: result name to count, for {@code GET /cache}. */
  Map<String, Map<String, Long>> counts() {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    fields.forEach((name, f) -> out.put(name, f.counts()));
    return out;
  }

  /** One field's counters; without a registry (unit tests) plain counts only. */
  static final class Field {
    private static final String[] RESULTS = {"hit", "miss", "stale", "stale_if_error", "coalesced", "bypass"};
    private final Counter[] counters = new Counter[RESULTS.length];
    private final LongAdder[] plain = new LongAdder[RESULTS.length];
    /** A stale answer is covering this field's failing service (logged once per streak). */
    final AtomicBoolean covering = new AtomicBoolean();
    private final Counter revalidatedOk;
    private final Counter revalidatedFailed;

    Field(MeterRegistry registry, String coordinates) {
      for (int i = 0; i < RESULTS.length; i++) {
        plain[i] = new LongAdder();
        counters[i] = registry == null ? null : Counter.builder(REQUESTS)
            .description("Lookups of @cache fields by result (hit ratio = (hit + stale) / all)")
            .tag("field", coordinates).tag("result", RESULTS[i]).register(registry);
      }
      revalidatedOk = registry == null ? null : Counter.builder(REVALIDATIONS)
          .description("Background refreshes of stale answers").tag("field", coordinates).tag("outcome", "ok")
          .register(registry);
      revalidatedFailed = registry == null ? null : Counter.builder(REVALIDATIONS)
          .description("Background refreshes of stale answers").tag("field", coordinates).tag("outcome", "failed")
          .register(registry);
    }

    void hit() { count(0); }
    void miss() { count(1); }
    void stale() { count(2); }
    void staleIfError() { count(3); }
    void coalesced() { count(4); }
    void bypass() { count(5); }

    void revalidated(boolean ok) {
      Counter c = ok ? revalidatedOk : revalidatedFailed;
      if (c != null) c.increment();
    }

    private void count(int i) {
      plain[i].increment();
      if (counters[i] != null) counters[i].increment();
    }

    Map<String, Long> counts() {
      Map<String, Long> out = new TreeMap<>();
      for (int i = 0; i < RESULTS.length; i++) out.put(RESULTS[i], plain[i].sum());
      return out;
    }
  }
}
