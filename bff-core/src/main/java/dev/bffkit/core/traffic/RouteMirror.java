package dev.bffkit.core.traffic;

import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.TrafficConfig;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A route's mirror, compiled into its policy at start-up so the {@link MirrorStage} finds it through the route it
 * already matched. The count of copies in flight is BFF-wide (shared by the event loops, a CAS, no lock): it is the
 * one mutable part, and it lives with the route table it was compiled with.
 */
public final class RouteMirror {
  private final String service;
  private final double share;
  private final int maxConcurrent;
  private final int maxBodyBytes;
  private final AtomicInteger inFlight = new AtomicInteger();

  RouteMirror(String service, double share, int maxConcurrent, int maxBodyBytes) {
    this.service = service;
    this.share = share;
    this.maxConcurrent = maxConcurrent;
    this.maxBodyBytes = maxBodyBytes;
  }

  /** The mirror of the route named {@code route}, or null when none. */
  public static RouteMirror compile(TrafficConfig config, String route) {
    for (TrafficConfig.Mirror m : config.mirrors()) {
      if (m.route().equals(route)) return new RouteMirror(m.service(), m.share(), m.maxConcurrent(), m.maxBodyBytes());
    }
    return null;
  }

  /** Every mirror names a route of the table; else the start stops at the mirror's line. */
  public static void checkRoutes(TrafficConfig config, Collection<String> routeNames) {
    for (TrafficConfig.Mirror m : config.mirrors()) {
      if (!routeNames.contains(m.route())) {
        Set<String> known = new TreeSet<>(routeNames);
        known.removeIf(n -> n.startsWith("health:"));
        throw ConfigException.at(m.declaredAt(), "traffic.mirrors: route '" + m.route()
            + "' is not in the route table; name one of " + String.join(", ", known) + " (print it with --routes)");
      }
    }
  }

  public String service() {
    return service;
  }

  public double share() {
    return share;
  }

  public int maxConcurrent() {
    return maxConcurrent;
  }

  /** The largest request body copied. */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /** A slot for one copy; false when {@link #maxConcurrent} are in flight. */
  boolean tryAcquire() {
    if (inFlight.incrementAndGet() > maxConcurrent) {
      inFlight.decrementAndGet();
      return false;
    }
    return true;
  }

  void release() {
    inFlight.decrementAndGet();
  }

  /** Copies in flight now (tests, the admin API). */
  public int inFlight() {
    return inFlight.get();
  }

  /** For the route table: {@code mirror=shadow/50%/64}. */
  public String describe() {
    return service + "/" + percent(share) + "/" + maxConcurrent;
  }

  private static String percent(double share) {
    double p = share * 100;
    return (p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p)) + "%";
  }
}
