package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ServiceConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.logging.Logger;

/**
 * Active health checks: every {@code interval}, one probe of each endpoint: {@code GET path} for
 * an HTTP service (a 2xx within {@code timeout} passes), {@code grpc.health.v1.Health/Check} for
 * a gRPC service ({@link GrpcHealthProbe}: SERVING passes). {@code unhealthyThreshold} failures in
 * a row take an endpoint out of the balance, {@code healthyThreshold} passes bring it back (with
 * slow start). Endpoints start healthy, so a BFF serves at once. Runs on one context; its
 * counters need no locks.
 */
public final class HealthChecker {
  /** One check of one endpoint: true when it passes (a failed future counts as a failure). */
  interface Probe {
    Future<Boolean> check(Endpoint e);
  }
  private static final Logger LOG = Logger.getLogger("dev.bffkit.upstream");

  private final Vertx vertx;
  private final String service;
  private final ServiceConfig.HealthCheck cfg;
  private final EndpointGroup group;
  private final Probe probe;
  private long timer = -1;

  HealthChecker(Vertx vertx, String service, ServiceConfig.HealthCheck cfg, EndpointGroup group, Probe probe) {
    this.vertx = vertx;
    this.service = service;
    this.cfg = cfg;
    this.group = group;
    this.probe = probe;
  }

  /** {@code GET path}: a 2xx within the timeout passes. */
  static Probe http(HttpClient client, ServiceConfig.HealthCheck cfg) {
    return e -> {
      RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setHost(e.host())
          .setPort(e.port()).setSsl(e.tls()).setURI(cfg.path())
          .setTimeout(cfg.timeout().toMillis()).setConnectTimeout(cfg.timeout().toMillis());
      return client.request(o)
          .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode())))
          .map(status -> status >= 200 && status < 300);
    };
  }

  void start() {
    timer = vertx.setPeriodic(cfg.interval().toMillis(), id -> checkAll());
  }

  void checkAll() {
    for (EndpointState e : group.all()) check(e);
  }

  private void check(EndpointState e) {
    Future<Boolean> f;
    try {
      f = probe.check(e.endpoint);
    } catch (RuntimeException err) {
      f = Future.failedFuture(err);
    }
    f.onComplete(ar -> verdict(e, ar.succeeded() && ar.result()));
  }

  private void verdict(EndpointState e, boolean pass) {
    if (pass) {
      e.checkFailures = 0;
      if (!e.healthy && ++e.checkPasses >= cfg.healthyThreshold()) {
        e.healthy = true;
        e.warmSince = System.nanoTime();
        group.refresh();
        LOG.info("event=endpoint_healthy service=" + service + " endpoint=" + e);
      }
    } else {
      e.checkPasses = 0;
      if (e.healthy && ++e.checkFailures >= cfg.unhealthyThreshold()) {
        e.healthy = false;
        group.refresh();
        LOG.info("event=endpoint_unhealthy service=" + service + " endpoint=" + e);
      }
    }
  }

  void close() {
    if (timer >= 0) vertx.cancelTimer(timer);
  }
}
