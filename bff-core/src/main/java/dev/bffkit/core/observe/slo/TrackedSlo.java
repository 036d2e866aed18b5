package dev.bffkit.core.observe.slo;

import dev.bffkit.core.config.ObserveConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * One SLO's events and alerts. The hot path ({@link #record}) adds to three {@link LongAdder}s
 * (answers, 5xx, slower than the threshold) and, on the first event of a new 10-second slot,
 * snapshots their totals into the rings with {@code tryLock} (a thread that loses the race just
 * counts: the winner writes the slot). Readers (scrapes, {@code /slo}) take the lock, bring the
 * rings to now, and read. Alerts are evaluated once per slot, when the rings advance.
 *
 * <p>Memory: the fine ring holds 6 h of 10-second slots (2,162 × 4 longs, 69 KB); the coarse
 * ring holds the SLO's window (at least 3 d) in slots of 10 minutes or window/4320 when that is
 * longer (at most 4,322 × 4 longs, 138 KB). Nothing grows with traffic.
 */
final class TrackedSlo {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.slo");
  static final int TOTAL = 0;
  static final int UNAVAILABLE = 1;
  static final int SLOW = 2;
  private static final int KINDS = 3;
  static final long FINE_SLOT_MILLIS = 10_000;
  static final long COARSE_SLOT_MIN_MILLIS = 600_000;
  static final int COARSE_MAX_SLOTS = 4320;

  private final String bffName;
  private final ObserveConfig.Slo config;
  private final List<Objective> objectives = new ArrayList<>(2);
  private final long thresholdNanos;
  private final double availability;
  private final double latencyTarget;
  private final LongAdder[] totals = {new LongAdder(), new LongAdder(), new LongAdder()};
  private final LongSupplier clock;
  private final SnapshotRing fine;
  private final SnapshotRing coarse;
  private final ReentrantLock lock = new ReentrantLock();
  /** When the next fine slot begins: the hot path's only check. */
  private volatile long nextSlotAt;
  /** [objective][alert], under the lock. */
  private final AlertState[][] alerts = new AlertState[Objective.values().length][BurnAlert.values().length];
  /** The running totals at the last tick, under the lock. */
  private final long[] now = new long[KINDS];

  private static final class AlertState {
    /** When the condition began to hold (-1: it does not). */
    long activeSince = -1;
    /** When it fired (-1: not firing). */
    long firingSince = -1;
  }

  TrackedSlo(String bffName, ObserveConfig.Slo config, LongSupplier clock) {
    this.bffName = bffName;
    this.config = config;
    this.clock = clock;
    if (config.availability() > 0) objectives.add(Objective.AVAILABILITY);
    if (config.latencyTarget() > 0 && config.latencyThreshold() != null) objectives.add(Objective.LATENCY);
    this.availability = Double.parseDouble(SloRules.number(config.availability()));
    this.latencyTarget = Double.parseDouble(SloRules.number(config.latencyTarget()));
    this.thresholdNanos = config.latencyThreshold() == null ? Long.MAX_VALUE : config.latencyThreshold().toNanos();
    long t = clock.getAsLong();
    this.fine = new SnapshotRing(FINE_SLOT_MILLIS, SloWindow.FINE_SPAN.toMillis(), KINDS, t);
    long span = Math.max(config.window().toMillis(), SloWindow.D3.length().toMillis());
    long coarseSlot = Math.max(COARSE_SLOT_MIN_MILLIS, ceilTo((span + COARSE_MAX_SLOTS - 1) / COARSE_MAX_SLOTS, 60_000));
    this.coarse = new SnapshotRing(coarseSlot, span, KINDS, t);
    for (AlertState[] row : alerts) for (int i = 0; i < row.length; i++) row[i] = new AlertState();
    this.nextSlotAt = (Math.floorDiv(t, FINE_SLOT_MILLIS) + 1) * FINE_SLOT_MILLIS;
  }

  private static long ceilTo(long v, long unit) {
    return (v + unit - 1) / unit * unit;
  }

  ObserveConfig.Slo config() { return config; }

  List<Objective> objectives() { return objectives; }

  /** The target, to 12 digits ({@code 99.9%} parses to 0.9990000000000001; shown as 0.999). */
  double target(Objective o) {
    return o == Objective.AVAILABILITY ? availability : latencyTarget;
  }

  long coarseSlotMillis() { return coarse.slotMillis(); }

  long memoryLongs() { return (long) fine.slots() * (KINDS + 1) + (long) coarse.slots() * (KINDS + 1); }

  /** One answer of the route (never a client that left before it): the event loop's only call. */
  void record(boolean serverError, long durationNanos) {
    long t = clock.getAsLong();
    if (t >= nextSlotAt && lock.tryLock()) {
      try {
        tick(t);
      } finally {
        lock.unlock();
      }
    }
    totals[TOTAL].increment(); // before the bad counts: a snapshot reads them first, so bad <= total
    if (serverError) totals[UNAVAILABLE].increment();
    if (durationNanos > thresholdNanos) totals[SLOW].increment();
  }

  /** Brings the rings to {@code t}; evaluates the alerts when a slot began. Under the lock. */
  private void tick(long t) {
    now[SLOW] = totals[SLOW].sum();
    now[UNAVAILABLE] = totals[UNAVAILABLE].sum();
    now[TOTAL] = totals[TOTAL].sum();
    boolean newSlot = fine.advance(t, now);
    coarse.advance(t, now);
    nextSlotAt = (Math.floorDiv(t, FINE_SLOT_MILLIS) + 1) * FINE_SLOT_MILLIS;
    if (newSlot) evaluate(t);
  }

  private void evaluate(long t) {
    for (Objective o : objectives) {
      for (BurnAlert a : BurnAlert.values()) {
        AlertState s = alerts[o.ordinal()][a.ordinal()];
        double longBurn = burn(o, a.longWindow().length().toMillis(), a.longWindow().fine(), t);
        double shortBurn = burn(o, a.shortWindow().length().toMillis(), a.shortWindow().fine(), t);
        if (longBurn > a.factor() && shortBurn > a.factor()) {
          if (s.activeSince < 0) s.activeSince = t;
          if (s.firingSince < 0 && t - s.activeSince >= a.hold().toMillis()) {
            s.firingSince = t;
            LOG.warning("event=slo_alert_firing bff=" + bffName + " slo=" + config.name() + " objective=" + o.label()
                + " severity=" + a.label() + " burn_" + a.longWindow().label() + "=" + round(longBurn)
                + " burn_" + a.shortWindow().label() + "=" + round(shortBurn) + " route=" + config.route());
          }
        } else {
          if (s.firingSince >= 0) {
            LOG.info("event=slo_alert_resolved bff=" + bffName + " slo=" + config.name() + " objective=" + o.label()
                + " severity=" + a.label() + " firing_ms=" + (t - s.firingSince) + " route=" + config.route());
          }
          s.activeSince = -1;
          s.firingSince = -1;
        }
      }
    }
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  /** Burn rate over a window ending at {@code t}, from the totals of the last tick. Under the lock. */
  private double burn(Objective o, long windowMillis, boolean fromFine, long t) {
    SnapshotRing ring = fromFine ? fine : coarse;
    int kind = o == Objective.AVAILABILITY ? UNAVAILABLE : SLOW;
    long total = ring.count(TOTAL, t, windowMillis, now[TOTAL]);
    if (total <= 0) return 0;
    long bad = ring.count(kind, t, windowMillis, now[kind]);
    return Math.min(1.0, (double) bad / total) / (1 - target(o));
  }

  /** Share of the window's error budget left: 1 - bad / (total × (1 - target)); below 0 when overspent. Under the lock. */
  private double budget(Objective o, long t) {
    long w = config.window().toMillis();
    int kind = o == Objective.AVAILABILITY ? UNAVAILABLE : SLOW;
    long total = coarse.count(TOTAL, t, w, now[TOTAL]);
    if (total <= 0) return 1;
    long bad = coarse.count(kind, t, w, now[kind]);
    return 1 - bad / (total * (1 - target(o)));
  }

  private long lockAndTick() {
    lock.lock();
    long t = clock.getAsLong();
    tick(t);
    return t;
  }

  double burnRate(Objective o, SloWindow w) {
    long t = lockAndTick();
    try {
      return burn(o, w.length().toMillis(), w.fine(), t);
    } finally {
      lock.unlock();
    }
  }

  double budgetRemaining(Objective o) {
    long t = lockAndTick();
    try {
      return budget(o, t);
    } finally {
      lock.unlock();
    }
  }

  boolean firing(Objective o, BurnAlert a) {
    lock.lock();
    try {
      tick(clock.getAsLong());
      return alerts[o.ordinal()][a.ordinal()].firingSince >= 0;
    } finally {
      lock.unlock();
    }
  }

  /** Everything {@code /slo} shows of this SLO, read at one instant. */
  JsonObject toJson() {
    long t = lockAndTick();
    try {
      JsonArray objs = new JsonArray();
      for (Objective o : objectives) {
        int kind = o == Objective.AVAILABILITY ? UNAVAILABLE : SLOW;
        long w = config.window().toMillis();
        JsonObject burns = new JsonObject();
        for (SloWindow win : SloWindow.values()) burns.put(win.label(), burn(o, win.length().toMillis(), win.fine(), t));
        JsonArray as = new JsonArray();
        JsonArray firing = new JsonArray();
        for (BurnAlert a : BurnAlert.values()) {
          AlertState s = alerts[o.ordinal()][a.ordinal()];
          String state = s.firingSince >= 0 ? "firing" : s.activeSince >= 0 ? "pending" : "inactive";
          JsonObject aj = new JsonObject().put("severity", a.label()).put("kind", a.severity())
              .put("longWindow", a.longWindow().label()).put("shortWindow", a.shortWindow().label())
              .put("burnRateOver", a.factor()).put("for", SloRules.promDuration(a.hold())).put("state", state);
          if (s.firingSince >= 0) aj.put("since", Instant.ofEpochMilli(s.firingSince).toString());
          else if (s.activeSince >= 0) aj.put("since", Instant.ofEpochMilli(s.activeSince).toString());
          as.add(aj);
          if (s.firingSince >= 0) firing.add(a.label());
        }
        JsonObject oj = new JsonObject().put("objective", o.label()).put("target", target(o));
        if (o == Objective.LATENCY) oj.put("thresholdMs", config.latencyThreshold().toMillis());
        oj.put("events", coarse.count(TOTAL, t, w, now[TOTAL]))
            .put("badEvents", coarse.count(kind, t, w, now[kind]))
            .put("errorBudgetRemaining", budget(o, t))
            .put("burnRates", burns)
            .put("firing", firing)
            .put("alerts", as);
        objs.add(oj);
      }
      return new JsonObject().put("name", config.name()).put("route", config.route())
          .put("window", SloRules.promDuration(config.window())).put("declaredAt", config.declaredAt())
          .put("objectives", objs);
    } finally {
      lock.unlock();
    }
  }
}
