package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ServiceConfig;
import io.vertx.core.Vertx;
import java.util.logging.Logger;

/**
 * Passive outlier ejection (Envoy's consecutive_5xx / gateway failure): an endpoint that answers
 * 5xx or cannot be reached {@code consecutiveErrors} times in a row is taken out of the balance
 * for {@code baseEjectionTime × times ejected} (capped at {@code maxEjectionTime}); the count
 * starts again once an endpoint has stayed in for {@code maxEjectionTime}. Never more than
 * {@code maxEjectionPercent} of the endpoints are out at once (but one of two or more may always
 * go). On success the path reads one counter and only writes when it was not zero.
 */
public final class OutlierDetector {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.upstream");

  private final Vertx vertx;
  private final String service;
  private final ServiceConfig.Outlier cfg;
  private final EndpointGroup group;
  private final Runnable onEject;
  private volatile boolean closed;

  OutlierDetector(Vertx vertx, String service, ServiceConfig.Outlier cfg, EndpointGroup group, Runnable onEject) {
    this.vertx = vertx;
    this.onEject = onEject;
    this.service = service;
    this.cfg = cfg;
    this.group = group;
  }

  void success(EndpointState e) {
    if (e.consecutiveErrors.get() != 0) e.consecutiveErrors.set(0);
  }

  void failure(EndpointState e) {
    if (cfg.consecutiveErrors() > 0 && e.consecutiveErrors.incrementAndGet() >= cfg.consecutiveErrors()
        && e.ejectedUntil == 0) {
      eject(e);
    }
  }

  private synchronized void eject(EndpointState e) {
    if (e.ejectedUntil != 0 || closed) return;
    EndpointState[] all = group.all();
    int out = 0;
    for (EndpointState x : all) if (x.ejectedUntil != 0) out++;
    int max = all.length * cfg.maxEjectionPercent() / 100;
    if (all.length > 1) max = Math.max(1, max);
    if (out >= max) return;
    long now = System.nanoTime();
    if (e.lastEjectedAt != 0 && now - e.lastEjectedAt > cfg.maxEjectionTime().toNanos() * 2) e.ejections = 0;
    e.ejections++;
    e.lastEjectedAt = now;
    long ms = Math.min(cfg.baseEjectionTime().toMillis() * e.ejections, cfg.maxEjectionTime().toMillis());
    e.ejectedUntil = now + ms * 1_000_000;
    group.refresh();
    onEject.run();
    LOG.info("event=endpoint_ejected service=" + service + " endpoint=" + e + " for_ms=" + ms + " times=" + e.ejections);
    vertx.setTimer(ms, id -> restore(e));
  }

  private synchronized void restore(EndpointState e) {
    e.ejectedUntil = 0;
    e.consecutiveErrors.set(0);
    e.warmSince = System.nanoTime();
    group.refresh();
    LOG.info("event=endpoint_restored service=" + service + " endpoint=" + e);
  }

  void close() {
    closed = true;
  }
}
