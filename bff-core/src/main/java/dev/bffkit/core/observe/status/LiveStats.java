package dev.bffkit.core.observe.status;

import dev.bffkit.core.observe.Outcome;
import dev.bffkit.core.observe.RequestLog;
import dev.bffkit.core.observe.RequestObserver;
import dev.bffkit.core.observe.UpstreamCall;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.route.RouteTable;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;

/**
 * The last 15 minutes of traffic, second by second, per route and per service, for the status
 * page: requests, errors (a route's 5xx answers; a service's calls whose {@code Outcome} blames
 * it) and a {@link LatencyBuckets} histogram per second, from which rates, error shares and
 * p50/p99 of any span of seconds are summed.
 *
 * <p>{@link #completed} runs on every event loop at once, so nothing on it locks: each row is a
 * ring of {@value #SECONDS} slot references indexed by epoch second; a slot belongs to one second
 * and the first request of a new second replaces the stale slot by compare-and-set (a loser
 * re-reads and counts into the winner's slot), counts are atomic increments. Rows are made at
 * start-up from the route table and the configured services (names never seen there count in an
 * "other" row), so memory is bounded by rows x 900 slots of {@value #WIDTH} ints.
 */
public final class LiveStats implements RequestObserver {
  /** The ring: 15 minutes of one-second slots. */
  static final int SECONDS = 900;
  static final int REQUESTS = 0;
  static final int ERRORS = 1;
  static final int BUCKETS = 2;
  static final int WIDTH = BUCKETS + LatencyBuckets.COUNT;
  static final String NONE = "none";
  static final String OTHER = "other";

  /** One route or service: its ring of slots, allocated on first use of each second. */
  static final class Row {
    final String name;
    final String kind;
    final AtomicReferenceArray<Slot> slots = new AtomicReferenceArray<>(SECONDS);

    Row(String name, String kind) {
      this.name = name;
      this.kind = kind;
    }
  }

  /** One second of one row. */
  static final class Slot {
    final long second;
    final AtomicIntegerArray counts = new AtomicIntegerArray(WIDTH);

    Slot(long second) {
      this.second = second;
    }
  }

  private final LongSupplier clockMillis;
  /** Indexed by {@link Route#id()}. */
  private final Route[] routes;
  private final Row[] routeRows;
  private final Map<String, Row> routesByName = new HashMap<>();
  private final Row unrouted = new Row(NONE, NONE);
  private final Row otherRoute = new Row(OTHER, OTHER);
  /** Written only here (start-up), read-only afterwards: safe to read from every loop. */
  private final Map<String, Row> services = new HashMap<>();
  private final List<Row> serviceRows = new ArrayList<>();
  private final Row otherService = new Row(OTHER, OTHER);

  /** {@code routes} may be null (no route table); {@code clockMillis} is the wall clock in production. */
  public LiveStats(RouteTable routes, Collection<String> serviceNames, LongSupplier clockMillis) {
    this.clockMillis = clockMillis;
    List<Route> list = routes == null ? List.of() : routes.routes();
    int max = -1;
    for (Route r : list) max = Math.max(max, r.id());
    this.routes = new Route[max + 1];
    this.routeRows = new Row[max + 1];
    for (Route r : list) {
      Row row = new Row(r.name(), r.kind().label());
      this.routes[r.id()] = r;
      routeRows[r.id()] = row;
      routesByName.putIfAbsent(r.name(), row);
    }
    for (String s : new TreeSet<>(serviceNames)) {
      Row row = new Row(s, "service");
      services.put(s, row);
      serviceRows.add(row);
    }
  }

  @Override
  public void completed(RequestLog log) {
    long second = Math.floorDiv(clockMillis.getAsLong(), 1000);
    record(routeRow(log.route()), second, log.serverError(), log.durationNanos());
    for (int i = 0, n = log.callCount(); i < n; i++) {
      UpstreamCall call = log.call(i);
      if (!call.ended()) continue; // still in flight: no outcome or duration to count yet
      Row row = services.get(call.service());
      // A call the client cancelled (or whose deadline the client set) is counted, not timed and
      // never an error: its duration says nothing about the service.
      Outcome how = call.outcome();
      boolean clientCaused = how == Outcome.CLIENT_CANCELLED || how == Outcome.CLIENT_DEADLINE;
      record(row == null ? otherService : row, second, how.serviceFault(), clientCaused ? -1 : call.durationNanos());
    }
  }

  private Row routeRow(Route r) {
    if (r == null) return unrouted;
    int id = r.id();
    if (id >= 0 && id < routes.length && routes[id] == r) return routeRows[id];
    Row byName = routesByName.get(r.name()); // a route object from another table with a known name
    return byName == null ? otherRoute : byName;
  }

  /** Counts one request or call; {@code nanos} below 0 = not timed. */
  static void record(Row row, long second, boolean error, long nanos) {
    Slot slot = slot(row, second);
    if (slot == null) return;
    AtomicIntegerArray c = slot.counts;
    c.incrementAndGet(REQUESTS);
    if (error) c.incrementAndGet(ERRORS);
    if (nanos >= 0) c.incrementAndGet(BUCKETS + LatencyBuckets.index(nanos));
  }

  /** The slot of {@code second}, replacing a stale one; null for a second already 15 minutes gone. */
  private static Slot slot(Row row, long second) {
    int i = (int) Math.floorMod(second, (long) SECONDS);
    Slot s = row.slots.get(i);
    while (s == null || s.second != second) {
      if (s != null && s.second > second) return null;
      Slot fresh = new Slot(second);
      if (row.slots.compareAndSet(i, s, fresh)) return fresh;
      s = row.slots.get(i);
    }
    return s;
  }

  /** Sums the seconds {@code [from, to)} of a row into {@code into} (length {@link #WIDTH}). */
  static void sum(Row row, long from, long to, long[] into) {
    for (long sec = Math.max(from, to - SECONDS); sec < to; sec++) {
      Slot s = row.slots.get((int) Math.floorMod(sec, (long) SECONDS));
      if (s == null || s.second != sec) continue;
      for (int k = 0; k < WIDTH; k++) into[k] += s.counts.get(k);
    }
  }

  /** Totals of one row over a span of seconds. */
  public record Window(long requests, long errors, double rps, double errorRate, double p50Ms, double p99Ms) {}

  static Window window(Row row, long from, long to) {
    long[] c = new long[WIDTH];
    sum(row, from, to, c);
    return window(c, to - from);
  }

  private static Window window(long[] c, long seconds) {
    long timed = 0;
    for (int b = 0; b < LatencyBuckets.COUNT; b++) timed += c[BUCKETS + b];
    double rate = c[REQUESTS] == 0 ? Double.NaN : (double) c[ERRORS] / c[REQUESTS];
    return new Window(c[REQUESTS], c[ERRORS], (double) c[REQUESTS] / seconds, rate,
        LatencyBuckets.quantileMillis(c, BUCKETS, timed, 0.50), LatencyBuckets.quantileMillis(c, BUCKETS, timed, 0.99));
  }

  /** The last complete minute of a route (by name; "none" = unrouted, "other"), or null when unknown. */
  public Window routeLastMinute(String name) {
    Row row = routeRowNamed(name);
    long now = nowSecond();
    return row == null ? null : window(row, now - 60, now);
  }

  /** The last complete minute of a service (by name, or "other"), or null when unknown. */
  public Window serviceLastMinute(String name) {
    Row row = OTHER.equals(name) ? otherService : services.get(name);
    long now = nowSecond();
    return row == null ? null : window(row, now - 60, now);
  }

  /** Seconds {@code [from, to)} of a route or service, by name: for tests and tools. */
  Window routeWindow(String name, long from, long to) {
    return window(routeRowNamed(name), from, to);
  }

  Window serviceWindow(String name, long from, long to) {
    return window(OTHER.equals(name) ? otherService : services.get(name), from, to);
  }

  private Row routeRowNamed(String name) {
    if (NONE.equals(name)) return unrouted;
    if (OTHER.equals(name)) return otherRoute;
    return routesByName.get(name);
  }

  long nowSecond() {
    return Math.floorDiv(clockMillis.getAsLong(), 1000);
  }

  /**
   * The status page's data: per route and per service, {@code seconds} of history ending at the
   * last complete second in points of {@code step} seconds (t = the point's first epoch second,
   * rps, errorRate 0..1, p50Ms, p99Ms; null where there was no traffic), and the last minute's
   * totals. Rows without any traffic in the span are listed as idle, without series.
   */
  public JsonObject toJson(int seconds, int step) {
    long end = nowSecond();
    int points = Math.max(1, seconds / step);
    long start = end - (long) points * step;
    JsonArray routeArray = new JsonArray();
    for (Row r : routeRows) if (r != null) addRow(routeArray, r, start, step, points, end, true);
    addRow(routeArray, unrouted, start, step, points, end, false);
    addRow(routeArray, otherRoute, start, step, points, end, false);
    JsonArray serviceArray = new JsonArray();
    for (Row r : serviceRows) addRow(serviceArray, r, start, step, points, end, true);
    addRow(serviceArray, otherService, start, step, points, end, false);
    return new JsonObject().put("now", end).put("start", start).put("step", step).put("points", points)
        .put("routes", routeArray).put("services", serviceArray);
  }

  /** Adds a row's JSON, unless it had no traffic and is not worth listing idle (none, other). */
  private static void addRow(JsonArray into, Row row, long start, int step, int points, long end, boolean listIdle) {
    JsonArray t = new JsonArray();
    JsonArray rps = new JsonArray();
    JsonArray errorRate = new JsonArray();
    JsonArray p50 = new JsonArray();
    JsonArray p99 = new JsonArray();
    long total = 0;
    long[] c = new long[WIDTH];
    for (int p = 0; p < points; p++) {
      long from = start + (long) p * step;
      Arrays.fill(c, 0);
      sum(row, from, from + step, c);
      Window w = window(c, step);
      total += w.requests();
      t.add(from);
      rps.add(round(w.rps()));
      errorRate.add(number(w.errorRate()));
      p50.add(number(w.p50Ms()));
      p99.add(number(w.p99Ms()));
    }
    if (total == 0 && !listIdle) return;
    JsonObject out = new JsonObject().put("name", row.name).put("kind", row.kind);
    Window minute = window(row, end - 60, end);
    out.put("lastMinute", new JsonObject().put("requests", minute.requests()).put("errors", minute.errors())
        .put("rps", round(minute.rps())).put("errorRate", number(minute.errorRate()))
        .put("p50Ms", number(minute.p50Ms())).put("p99Ms", number(minute.p99Ms())));
    if (total == 0) {
      into.add(out.put("idle", true));
      return;
    }
    into.add(out.put("idle", false).put("series", new JsonObject().put("t", t).put("rps", rps).put("errorRate", errorRate)
        .put("p50Ms", p50).put("p99Ms", p99)));
  }

  private static Double number(double v) {
    return Double.isNaN(v) ? null : round(v);
  }

  /** Three decimals: the page draws lines, not ledgers, and the JSON stays small. */
  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
