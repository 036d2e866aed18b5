package dev.bffkit.core.observe;

import dev.bffkit.core.config.ObserveConfig;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.pause.NoPauseDetector;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;

/**
 * A BFF's meter registry and how its timers are built. Two registries make one scrape: the BFF's
 * own ({@code bff_*}: routes, services, auth, caches; every meter tagged {@code bff=<name>}) and
 * the process's ({@code jvm_*}, {@code process_*}, {@code vertx_*}), shared by every BFF in the
 * JVM (the demo runs four). Latency histograms have fixed buckets (the configured ones plus every
 * SLO threshold, so an SLO can be computed from a bucket exactly); no per-request percentiles
 * are computed in process.
 */
public final class Metrics {
  private static PrometheusMeterRegistry process;

  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;
  private final Duration[] buckets;

  private Metrics(MeterRegistry registry, PrometheusMeterRegistry prometheus, Duration[] buckets) {
    this.registry = registry;
    this.prometheus = prometheus;
    this.buckets = buckets;
  }

  /** {@code extraBuckets}: SLO thresholds to add to the configured bounds. */
  public static Metrics create(String bffName, ObserveConfig.Metrics config, List<Duration> extraBuckets) {
    if (!config.enabled()) return new Metrics(new CompositeMeterRegistry(), null, new Duration[0]); // a registry of no-op meters
    PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // No coordinated-omission compensation: it adds an interval estimator to every record and
    // sleeper threads, for a correction that a server timing its own requests does not need.
    r.config().commonTags("bff", bffName).pauseDetector(new NoPauseDetector());
    TreeSet<Duration> all = new TreeSet<>(config.buckets());
    all.addAll(extraBuckets);
    return new Metrics(r, r, all.toArray(new Duration[0]));
  }

  /**
   * The process's registry (JVM, GC, threads, CPU, file descriptors, and Vert.x's own meters when
   * the launcher enables them), made once per JVM.
   */
  public static synchronized PrometheusMeterRegistry processRegistry() {
    if (process == null) {
      PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      // Two of Micrometer's names fail promtool's lint: a CPU time in nanoseconds (process_cpu_usage
      // says the same) and a gauge ending in _count.
      r.config().pauseDetector(new NoPauseDetector())
          .meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")))
          .meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
              return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
            }
          });
      new ClassLoaderMetrics().bindTo(r);
      new JvmMemoryMetrics().bindTo(r);
      new JvmGcMetrics().bindTo(r); // lives as long as the JVM: never closed
      new JvmThreadMetrics().bindTo(r);
      new ProcessorMetrics().bindTo(r);
      new UptimeMetrics().bindTo(r);
      new FileDescriptorMetrics().bindTo(r);
      process = r;
    }
    return process;
  }

  public MeterRegistry registry() {
    return registry;
  }

  public boolean enabled() {
    return prometheus != null;
  }

  /** Prometheus text (format 0.0.4): this BFF's meters, then the process's. */
  public String scrape() {
    if (prometheus == null) return "";
    return prometheus.scrape() + processRegistry().scrape();
  }

  /** A latency timer with this BFF's buckets, registered now. */
  Timer timer(String name, String description, String... tags) {
    return Timer.builder(name).description(description).tags(tags)
        .serviceLevelObjectives(buckets)
        .register(registry);
  }
}
