package dev.bffkit.core.observe;

import dev.bffkit.core.route.Route;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * One route's meters (a screen is a route: {@code route="screen:home"}), registered at start-up:
 * answers by status class, latency, and partial answers. Labels come from the route table only,
 * never from a raw path, an id or a user.
 */
final class RouteMeters {
  private final Counter[] byClass = new Counter[RequestLog.STATUS_CLASSES.size()];
  private final Timer duration;
  private final Counter partial;

  RouteMeters(Metrics metrics, String routeName, String kind) {
    for (int i = 0; i < byClass.length; i++) {
      byClass[i] = Counter.builder("bff.requests").description("Answers by route and status class (gone: the client left first)")
          .tags("route", routeName, "kind", kind, "status_class", RequestLog.STATUS_CLASSES.get(i)).register(metrics.registry());
    }
    duration = metrics.timer("bff.request.duration", "Time from the request's head to the answer's end",
        "route", routeName, "kind", kind);
    partial = Counter.builder("bff.partial.answers").description("Screen and GraphQL answers with data and errors")
        .tags("route", routeName, "kind", kind).register(metrics.registry());
  }

  static RouteMeters of(Metrics metrics, Route r) {
    return new RouteMeters(metrics, r.name(), r.kind().label());
  }

  void record(RequestLog log) {
    byClass[log.statusClassIndex()].increment();
    duration.record(log.durationNanos(), TimeUnit.NANOSECONDS);
    if (log.partial()) partial.increment();
  }

}
