package dev.bffkit.core.wasm;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
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
   * Callbacks and the time in them ({@code bff_wasm_callbacks_total}, {@code bff_wasm_callback_seconds_total}; the
   * ratio of their rates is the mean): each event loop adds to a {@link Tally} of its own with plain stores, and the
   * two counters sum the tallies when read. A Micrometer Timer (its max's time window) cost 0.36 µs of a header-only
   * filter's 2.9 µs per request, two shared counters (a CAS each on DoubleAdder cells the loops contend for) 0.07 µs
   * (issue 18's profiles).
   */
  private final Tallies tallies;
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
    // a reloaded filter's meters find the tallies its counters read (a registry keeps the first meter of a name)
    this.tallies = TALLIES.computeIfAbsent(registry, r -> new ConcurrentHashMap<>())
        .computeIfAbsent(filter, f -> new Tallies());
    FunctionCounter.builder("bff.wasm.callbacks", tallies, Tallies::callbacks).description("filter callbacks run")
        .tag("filter", filter).register(registry);
    FunctionCounter.builder("bff.wasm.callback.seconds", tallies, Tallies::seconds)
        .description("time in filter callbacks").tag("filter", filter).register(registry);
    this.localResponses = Counter.builder("bff.wasm.local.responses").description("answers a filter gave itself")
        .tag("filter", filter).register(registry);
    this.instances = Counter.builder("bff.wasm.instances").description("instances made (first use, or after a crash)")
        .tag("filter", filter).register(registry);
  }

  /** An instance is being made on an event loop: the crash-loop guard's work shows here. */
  void instance() {
    instances.increment();
  }

  /** The calling thread's tally (an event loop's: only that loop's instance of the filter adds to it). */
  Tally tally() {
    return tallies.of(Thread.currentThread());
  }

  /** Each filter's tallies per registry, by filter name; weak keys: a stopped BFF's registry goes with them. */
  private static final Map<MeterRegistry, Map<String, Tallies>> TALLIES =
      Collections.synchronizedMap(new WeakHashMap<>());

  /** One filter's tallies in one registry, one per thread that runs it. */
  static final class Tallies {
    private final ConcurrentHashMap<Thread, Tally> byThread = new ConcurrentHashMap<>();

    Tally of(Thread t) {
      return byThread.computeIfAbsent(t, k -> new Tally());
    }

    double callbacks() {
      long n = 0;
      for (Tally t : byThread.values()) n += t.callbacks.get();
      return n;
    }

    double seconds() {
      long nanos = 0;
      for (Tally t : byThread.values()) nanos += t.nanos.get();
      return nanos / 1e9;
    }
  }

  /** One thread's callbacks of one filter, and the time in them. One writer: its thread. */
  static final class Tally {
    private final AtomicLong callbacks = new AtomicLong();
    private final AtomicLong nanos = new AtomicLong();

    /**
     * {@code n} callbacks ran, in {@code ns} together (the host times a request's on_context_create and
     * on_request_headers as one window: two clock reads fewer per request). Release stores, no read-modify-write:
     * no other thread writes these.
     */
    void add(int n, long ns) {
      callbacks.setRelease(callbacks.getPlain() + n);
      nanos.setRelease(nanos.getPlain() + ns);
    }
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
