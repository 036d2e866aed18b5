package dev.bffkit.core.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * One service's meters, registered once when the BFF starts; the call path only increments.
 * Calls are logical calls (retries and hedges inside one), counted by {@link Outcome}; tries are
 * counted apart as retries and hedges.
 */
public final class ServiceMeters {
  private final String service;
  private final Tracing tracing;
  private final Counter[] calls;
  private final Timer duration;
  private final Counter retries;
  private final Counter hedgesLaunched;
  private final Counter hedgesWon;
  private final Counter ejections;
  private final MeterRegistry registry;
  /**
   * Each gauge reads through its own reference, so a reload that replaces the service's state re-points the gauge at
   * the new state: one gauge per name and tags, never one left reading (and holding) a retired state.
   */
  private final Map<Meter.Id, AtomicReference<Supplier<Number>>> gauges = new ConcurrentHashMap<>();
  /** The gauges (re)registered by the running {@link #regauge} round; null outside one. */
  private Set<Meter.Id> touched;

  ServiceMeters(String service, Tracing tracing, Metrics metrics) {
    this.registry = metrics.registry();
    this.service = service;
    this.tracing = tracing;
    Outcome[] outcomes = Outcome.values();
    calls = new Counter[outcomes.length];
    for (Outcome o : outcomes) {
      calls[o.ordinal()] = Counter.builder("bff.upstream.calls").description("Logical calls to a service by outcome")
          .tags("service", service, "outcome", o.label()).register(registry);
    }
    duration = metrics.timer("bff.upstream.call.duration", "Logical call time, retries and hedges included",
        "service", service);
    retries = Counter.builder("bff.upstream.retries").description("Retries sent (each a new try)")
        .tag("service", service).register(registry);
    hedgesLaunched = Counter.builder("bff.upstream.hedges").description("Hedged tries launched, and those whose answer won")
        .tags("service", service, "result", "launched").register(registry);
    hedgesWon = Counter.builder("bff.upstream.hedges").description("Hedged tries launched, and those whose answer won")
        .tags("service", service, "result", "won").register(registry);
    ejections = Counter.builder("bff.upstream.ejections").description("Endpoints ejected by outlier detection")
        .tag("service", service).register(registry);
  }

  public String service() { return service; }

  /** The BFF's registry, for a service's meters with more than one tag (registered once, at start-up). */
  public MeterRegistry registry() { return registry; }

  /**
   * A call starts for the request {@code log} (null for calls of no request: dry runs, tools);
   * {@code protocol} is "rest", "grpc" or "proxy". The caller ends it once.
   */
  public UpstreamCall start(RequestLog log, String protocol) {
    if (log == null) return new UpstreamCall(this, null, protocol, null, null);
    UpstreamCall call = tracing.startClient(this, log, protocol);
    log.add(call);
    return call;
  }

  void record(Outcome how, long nanos) {
    calls[how.ordinal()].increment();
    duration.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void retried() { retries.increment(); }

  public void hedgeLaunched() { hedgesLaunched.increment(); }

  public void hedgeWon() { hedgesWon.increment(); }

  public void ejected() { ejections.increment(); }

  /** A gauge read at scrape time from the service's live state. */
  public void gauge(String name, String description, Supplier<Number> value) {
    gauge(name, description, Tags.of("service", service), value);
  }

  /** A gauge with one more tag (e.g. the breaker's state). */
  public void gauge(String name, String description, String tag, String tagValue, Supplier<Number> value) {
    gauge(name, description, Tags.of("service", service, tag, tagValue), value);
  }

  private synchronized void gauge(String name, String description, Tags tags, Supplier<Number> value) {
    // Registered once per name and tags; a later registration (a reload's new state) only re-points it.
    Meter.Id id = new Meter.Id(name, tags, null, description, Meter.Type.GAUGE);
    AtomicReference<Supplier<Number>> ref = gauges.get(id);
    if (ref == null) {
      AtomicReference<Supplier<Number>> fresh = new AtomicReference<>(value);
      Gauge.builder(name, () -> fresh.get().get()).description(description).tags(tags).strongReference(true)
          .register(registry);
      gauges.put(id, fresh);
    } else {
      ref.set(value);
    }
    if (touched != null) touched.add(id);
  }

  /**
   * Runs {@code registerAll} (a service state registering its gauges) and removes the gauges it no longer registers
   * (e.g. the breaker's when the new state has no breaker): a reload neither duplicates nor leaks a gauge.
   */
  public synchronized void regauge(Runnable registerAll) {
    touched = new HashSet<>();
    try {
      registerAll.run();
      for (Meter.Id id : Set.copyOf(gauges.keySet())) {
        if (!touched.contains(id)) {
          gauges.remove(id);
          Meter m = registry.find(id.getName()).tags(id.getTags()).gauge();
          if (m != null) registry.remove(m);
        }
      }
    } finally {
      touched = null;
    }
  }

  /** Removes every meter of this service (its calls, gauges and canary counters): the service left the config. */
  public synchronized void remove() {
    gauges.clear();
    for (Meter m : registry.getMeters()) {
      String name = m.getId().getName();
      if (service.equals(m.getId().getTag("service")) && (name.startsWith("bff.upstream.") || name.startsWith("bff.canary."))) {
        registry.remove(m);
      }
    }
  }

  /** A counter with one more tag, registered now (e.g. breaker transitions by target state). */
  public Counter counter(String name, String description, String tag, String tagValue) {
    return Counter.builder(name).description(description).tags("service", service, tag, tagValue).register(registry);
  }
}
