package dev.bffkit.core.config;

import java.time.Duration;
import java.util.List;

/**
 * {@code observe:} in bff.yaml: what the BFF tells operators. Metrics, the access log and the
 * status page are on by default (they cost little and the admin listener serves them); tracing
 * samples 1 % and logs spans unless an OTLP endpoint is given; the audit trail is off unless a
 * file is named; SLOs are whatever the team declares.
 */
public record ObserveConfig(Metrics metrics, Tracing tracing, AccessLog accessLog, Audit audit, List<Slo> slos,
    boolean statusPage) {

  public ObserveConfig {
    slos = List.copyOf(slos);
  }

  public static ObserveConfig defaults() {
    return new ObserveConfig(Metrics.defaults(), Tracing.defaults(), AccessLog.defaults(), Audit.off(), List.of(), true);
  }

  /** Everything off: no meters, spans, log lines or audit records (the performance baseline). */
  public static ObserveConfig off() {
    return new ObserveConfig(new Metrics(false, List.of()), Tracing.off(), AccessLog.off(), Audit.off(), List.of(), false);
  }

  /** {@code observe.metrics}: Prometheus text at the admin listener's {@code /metrics}. */
  public record Metrics(boolean enabled,
      /** Latency histogram bucket bounds; every SLO latency threshold is added to them. */
      List<Duration> buckets) {
    public static final List<Duration> DEFAULT_BUCKETS = List.of(Duration.ofMillis(1), Duration.ofMillis(2),
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10));

    public Metrics {
      buckets = List.copyOf(buckets);
    }

    public static Metrics defaults() {
      return new Metrics(true, DEFAULT_BUCKETS);
    }
  }

  /** {@code observe.tracing}: OpenTelemetry spans, W3C trace context to every upstream call. */
  public record Tracing(boolean enabled,
      /** Share of new traces recorded (0..1); a caller's sampled {@code traceparent} is always followed. */
      double sampling,
      Exporter exporter,
      /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces (exporter otlp). */
      String endpoint,
      /** {@code service.name} of the spans; null = {@code bff-<name>}. */
      String serviceName) {
    public enum Exporter { LOG, OTLP, NONE }

    public static Tracing defaults() {
      return new Tracing(true, 0.01, Exporter.LOG, null, null);
    }

    public static Tracing off() {
      return new Tracing(false, 0, Exporter.NONE, null, null);
    }
  }

  /** {@code observe.accessLog}: one JSON line per request, to stdout or a rotating file. */
  public record AccessLog(boolean enabled,
      /** null = stdout; else a file path, rotated at {@code maxFileBytes}, {@code maxFiles} kept. */
      String file,
      long maxFileBytes,
      int maxFiles,
      /** Lines waiting for the writer thread; beyond it lines are dropped and counted. */
      int queue) {
    public static AccessLog defaults() {
      return new AccessLog(true, null, 64L << 20, 5, 65_536);
    }

    public static AccessLog off() {
      return new AccessLog(false, null, 64L << 20, 5, 65_536);
    }
  }

  /** {@code observe.audit}: the hash-chained, append-only record of requests and answers. */
  public record Audit(boolean enabled,
      String file,
      /** Records waiting for the writer thread; beyond it records are dropped, counted and the gap chained. */
      int queue,
      /** A checkpoint record every this many records. */
      int checkpointEvery,
      /** Route names audited; empty = every route. */
      List<String> routes) {
    public Audit {
      routes = List.copyOf(routes);
    }

    public static Audit off() {
      return new Audit(false, null, 65_536, 1000, List.of());
    }
  }

  /**
   * {@code observe.slos[]}: an objective for one route (by name, as {@code --routes} prints it,
   * e.g. {@code screen:home}): availability = share of answers that are not 5xx; latency = share
   * of answers faster than {@code latencyThreshold}. Either may be absent (0).
   */
  public record Slo(String name, String route,
      /** e.g. 0.999; 0 = no availability objective. */
      double availability,
      /** e.g. 0.99; 0 = no latency objective. */
      double latencyTarget,
      Duration latencyThreshold,
      /** The compliance period, e.g. 30 days. */
      Duration window,
      /** Where it was declared (file:line), for messages. */
      String declaredAt) {}
}
