package dev.bffkit.core.wasm;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * One filter's meters: what the host counts ({@code bff_wasm_failures_total{filter,callback,kind}},
 * {@code bff_wasm_local_responses_total}, {@code bff_wasm_callbacks_total}, {@code bff_wasm_callback_seconds_total}, {@code bff_wasm_instances_total}) and what the filter defines itself
 * through {@code proxy_define_metric} ({@code bff_wasm_metric_total / bff_wasm_metric / bff_wasm_metric_value},
 * tagged with the filter and the metric's name; at most {@value #MAX_DEFINED} per filter).
 */
final class FilterMeters {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.wasm");
  static final int MAX_DEFINED = 64;

  private final String filter;
  private final MeterRegistry registry;
  /**
   * Callbacks and the time in them as two counters ({@code bff_wasm_callbacks_total},
   * {@code bff_wasm_callback_seconds_total}): two adds per callback. A Micrometer Timer (its max's time window) cost
   * 0.36 µs of a header-only filter's 2.9 µs per request (issue 18's profile); the ratio of the two rates is the mean.
   */
  private final Counter callbacks;
  private final Counter callbackSeconds;
  private final Counter localResponses;
  private final Counter instances;
  private final ConcurrentHashMap<String, Counter> failures = new ConcurrentHashMap<>();
  /** Metrics the filter defined, by id - 1; ids are per filter, shared by its instances. Copied on define (rare). */
  private volatile Defined[] defined = new Defined[0];
  private final ConcurrentHashMap<String, Integer> ids = new ConcurrentHashMap<>();

  /** A filter-defined metric: a counter, a gauge (its value) or a histogram (recorded values). */
  static final class Defined {
    final int type;
    final AtomicLong value = new AtomicLong();
    final Counter counter;
    final DistributionSummary summary;

    Defined(int type, Counter counter, DistributionSummary summary) {
      this.type = type;
      this.counter = counter;
      this.summary = summary;
    }
  }

  FilterMeters(String filter, MeterRegistry registry) {
    this.filter = filter;
    this.registry = registry;
    this.callbacks = Counter.builder("bff.wasm.callbacks").description("filter callbacks run")
        .tag("filter", filter).register(registry);
    this.callbackSeconds = Counter.builder("bff.wasm.callback.seconds").description("time in filter callbacks")
        .tag("filter", filter).register(registry);
    this.localResponses = Counter.builder("bff.wasm.local.responses").description("answers a filter gave itself")
        .tag("filter", filter).register(registry);
    this.instances = Counter.builder("bff.wasm.instances").description("instances made (first use, or after a crash)")
        .tag("filter", filter).register(registry);
  }

  /** An instance is being made on an event loop: the crash-loop guard's work shows here. */
  void instance() {
    instances.increment();
  }

  /**
   * {@code n} callbacks ran, in {@code nanos} together: the host times a request's on_context_create and
   * on_request_headers as one window (two clock reads fewer per request).
   */
  void callbacks(int n, long nanos) {
    callbacks.increment(n);
    callbackSeconds.increment(nanos / 1e9);
  }

  void localResponse() {
    localResponses.increment();
  }

  /**
   * A callback failed: counted, and one log line {@code event=wasm_filter_failed filter= callback= kind=} with the
   * request's ids ({@code ids}) and {@code detail} (e.g. {@code failure=closed}; may be empty).
   */
  void failed(FilterFailure f, String ids, String detail) {
    failure(f.callback, f.label());
    LOG.warning("event=wasm_filter_failed filter=" + filter + " callback=" + f.callback + " kind=" + f.label()
        + (detail.isEmpty() ? "" : " " + detail) + " " + ids + " error=\"" + f.getMessage().replace('"', '\'') + "\"");
  }

  void failure(String callback, String kind) {
    failures.computeIfAbsent(callback + "\0" + kind, k -> Counter.builder("bff.wasm.failures")
        .description("filter callbacks that trapped, ran past their budget or broke the ABI")
        .tag("filter", filter).tag("callback", callback).tag("kind", kind).register(registry)).increment();
  }

  /** The metric's id (the same name gives the same id), or 0 when the type is unknown or the filter has too many. */
  synchronized int define(int type, String name) {
    Integer known = ids.get(name);
    if (known != null) return defined[known - 1].type == type ? known : 0;
    if (defined.length >= MAX_DEFINED || type < Abi.COUNTER || type > Abi.HISTOGRAM) return 0;
    Defined d;
    switch (type) {
      case Abi.COUNTER -> d = new Defined(type, Counter.builder("bff.wasm.metric").tag("filter", filter)
          .tag("name", name).register(registry), null);
      case Abi.GAUGE -> {
        d = new Defined(type, null, null);
        AtomicLong v = d.value;
        registry.gauge("bff.wasm.metric.gauge", Tags.of("filter", filter, "name", name), v);
      }
      default -> d = new Defined(type, null, DistributionSummary.builder("bff.wasm.metric.value").tag("filter", filter)
          .tag("name", name).register(registry));
    }
    Defined[] more = Arrays.copyOf(defined, defined.length + 1);
    more[defined.length] = d;
    defined = more;
    ids.put(name, more.length);
    return more.length;
  }

  /** The defined metric, or null for an unknown id (the ABI's NOT_FOUND). */
  Defined metric(int id) {
    Defined[] d = defined;
    return id < 1 || id > d.length ? null : d[id - 1];
  }
}
