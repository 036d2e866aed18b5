package dev.bffkit.core.observe.slo;

import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.ObserveConfig;
import dev.bffkit.core.observe.Observability;
import dev.bffkit.core.observe.RequestLog;
import dev.bffkit.core.observe.RequestObserver;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.route.RouteTable;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The BFF's SLOs ({@code observe.slos}), evaluated in process: every completed request of an SLO's
 * route is counted (see {@link Objective} for what is good), burn rates over the workbook's
 * windows and the remaining error budget are computed when read, and the multi-window,
 * multi-burn-rate alerts ({@link BurnAlert}) are evaluated every 10 s. Exposed as gauges
 * ({@code bff.slo.*}) and as JSON at {@code /slo} on the admin listener. {@link SloRules} writes
 * the same alerts as Prometheus rules.
 *
 * <p>In process because the BFF already sees every request: an operator without a Prometheus
 * server still gets burn rates and alerts (in {@code /slo}, the status page and the log), and one
 * with one gets gauges to graph next to the generated rules' series.
 */
public final class SloTracker implements RequestObserver {
  private final String bffName;
  private final List<TrackedSlo> slos;
  /** Route id to the SLOs of that route (null: none); ids are those of the server's route table. */
  private final TrackedSlo[][] byRoute;
  private final LongSupplier clock;

  /** Checks every SLO's route against {@code routes}; {@code clock} gives epoch milliseconds (tests pass a fake one). */
  public SloTracker(String bffName, List<ObserveConfig.Slo> declared, RouteTable routes, LongSupplier clock) {
    this.bffName = bffName;
    this.clock = clock;
    Map<String, Route> byName = validate(declared, routes);
    List<TrackedSlo> all = new ArrayList<>();
    List<List<TrackedSlo>> perRoute = new ArrayList<>();
    for (int i = 0; i < routes.idLimit(); i++) perRoute.add(new ArrayList<>(1));
    for (ObserveConfig.Slo s : declared) {
      TrackedSlo t = new TrackedSlo(bffName, s, clock);
      all.add(t);
      perRoute.get(byName.get(s.route()).id()).add(t);
    }
    this.slos = List.copyOf(all);
    this.byRoute = new TrackedSlo[routes.idLimit()][];
    for (int i = 0; i < byRoute.length; i++) {
      if (!perRoute.get(i).isEmpty()) byRoute[i] = perRoute.get(i).toArray(TrackedSlo[]::new);
    }
  }

  /**
   * Builds the tracker of {@code config.observe().slos()}, adds it as an observer of
   * {@code o}, registers its gauges on the BFF's registry and serves {@code GET /slo} on
   * {@code adminRouter}. {@code routes} must be the table the server routes with (the tracker
   * keys SLOs by route id). Throws {@link ConfigException} (file:line of the SLO) when an SLO
   * names a route the table lacks.
   */
  public static SloTracker install(Observability o, BffConfig config, RouteTable routes, Router adminRouter) {
    return install(o, config, routes, adminRouter, System::currentTimeMillis);
  }

  static SloTracker install(Observability o, BffConfig config, RouteTable routes, Router adminRouter, LongSupplier clock) {
    SloTracker tracker = new SloTracker(config.name(), config.observe().slos(), routes, clock);
    if (!tracker.slos.isEmpty()) {
      o.observe(tracker);
      tracker.registerGauges(o.metrics().registry());
    }
    adminRouter.get("/slo").handler(tracker::serve);
    return tracker;
  }

  /** Every SLO's route must be a route of the table; returns the routes by name. */
  public static Map<String, Route> validate(List<ObserveConfig.Slo> declared, RouteTable routes) {
    Map<String, Route> byName = new HashMap<>();
    for (int i = 0; i < declared.size(); i++) {
      ObserveConfig.Slo s = declared.get(i);
      Route r = routes.named(s.route());
      if (r == null) {
        List<String> names = routes.names();
        throw ConfigException.at(s.declaredAt(), "observe.slos[" + i + "].route: '" + s.route()
            + "' is not a route; routes: " + (names.isEmpty() ? "(none)" : String.join(", ", names))
            + " (run with --routes to print the table)");
      }
      byName.put(r.name(), r);
    }
    return byName;
  }


  @Override
  public void completed(RequestLog log) {
    Route r = log.route();
    if (r == null || r.id() >= byRoute.length) return;
    TrackedSlo[] mine = byRoute[r.id()];
    if (mine == null) return;
    if (log.clientGone() && log.status() == 0) return; // the client left first: counts against no one
    long d = log.durationNanos();
    for (TrackedSlo s : mine) s.record(log.serverError(), d);
  }

  /**
   * {@code bff.slo.burn.rate{slo,objective,window}}, {@code bff.slo.error.budget.remaining{slo,objective}},
   * {@code bff.slo.alert{slo,objective,severity}} (1 firing) and {@code bff.slo.objective{slo,objective}}:
   * gauges computed when scraped, registered once.
   */
  public void registerGauges(MeterRegistry registry) {
    for (TrackedSlo s : slos) {
      for (Objective o : s.objectives()) {
        String slo = s.config().name();
        for (SloWindow w : SloWindow.values()) {
          gauge(registry, "bff.slo.burn.rate", "Error-budget burn rate over the window (1 = spends the budget exactly in the SLO window)",
              s, t -> t.burnRate(o, w), "slo", slo, "objective", o.label(), "window", w.label());
        }
        gauge(registry, "bff.slo.error.budget.remaining", "Share of the SLO window's error budget left (below 0: overspent)",
            s, t -> t.budgetRemaining(o), "slo", slo, "objective", o.label());
        for (BurnAlert a : BurnAlert.values()) {
          gauge(registry, "bff.slo.alert", "1 while the multi-window burn-rate alert fires",
              s, t -> t.firing(o, a) ? 1 : 0, "slo", slo, "objective", o.label(), "severity", a.label());
        }
        double target = s.target(o);
        gauge(registry, "bff.slo.objective", "The SLO's target share of good events", s, t -> target,
            "slo", slo, "objective", o.label());
      }
    }
  }

  private static void gauge(MeterRegistry registry, String name, String help, TrackedSlo s,
      ToDoubleFunction<TrackedSlo> f, String... tags) {
    Gauge.builder(name, s, f).description(help).tags(tags).strongReference(true).register(registry);
  }

  /** Every SLO with its route, objectives, burn rates per window, budget left and alerts. */
  public JsonObject toJson() {
    JsonArray a = new JsonArray();
    for (TrackedSlo s : slos) a.add(s.toJson());
    return new JsonObject().put("bff", bffName).put("time", Instant.ofEpochMilli(clock.getAsLong()).toString())
        .put("fineSlotSeconds", TrackedSlo.FINE_SLOT_MILLIS / 1000).put("slos", a);
  }

  private void serve(RoutingContext ctx) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(toJson().toBuffer());
  }

  // For tests and the status page.

  public List<String> names() {
    return slos.stream().map(s -> s.config().name()).toList();
  }

  public double burnRate(String slo, Objective o, SloWindow w) {
    return find(slo).burnRate(o, w);
  }

  public double budgetRemaining(String slo, Objective o) {
    return find(slo).budgetRemaining(o);
  }

  public boolean firing(String slo, Objective o, BurnAlert a) {
    return find(slo).firing(o, a);
  }

  List<TrackedSlo> tracked() {
    return Collections.unmodifiableList(slos);
  }

  private TrackedSlo find(String name) {
    for (TrackedSlo s : slos) if (s.config().name().equals(name)) return s;
    throw new IllegalArgumentException("no SLO named " + name);
  }
}
