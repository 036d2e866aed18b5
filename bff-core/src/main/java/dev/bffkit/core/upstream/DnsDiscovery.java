package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ServiceConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.dns.DnsClient;
import io.vertx.core.dns.SrvRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Endpoints from DNS through the Vert.x DNS client. {@code dns: host:port} resolves A and AAAA
 * records (every address, one endpoint each) and re-resolves every {@code refresh}: the Vert.x
 * client does not expose A/AAAA TTLs. {@code srv: _http._tcp.name} resolves SRV records (port and
 * weight from the record, targets resolved to addresses) and re-resolves after the smallest
 * record TTL, kept between 1 s and {@code refresh}. A failed or empty answer keeps the last set.
 */
public final class DnsDiscovery {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.upstream");

  private final Vertx vertx;
  private final String service;
  private final ServiceConfig.Discovery cfg;
  private final EndpointGroup group;
  private final DnsClient dns;
  private volatile boolean closed;
  private long timer = -1;

  DnsDiscovery(Vertx vertx, String service, ServiceConfig.Discovery cfg, EndpointGroup group, DnsClient dns) {
    this.vertx = vertx;
    this.service = service;
    this.cfg = cfg;
    this.group = group;
    this.dns = dns;
  }

  /** Resolves once; the future completes when the first answer (or failure) is in. */
  Future<Void> start() {
    return resolve().transform(ar -> {
      long next = ar.succeeded() ? ar.result() : cfg.refresh().toMillis();
      schedule(next);
      return Future.succeededFuture();
    });
  }

  private void schedule(long ms) {
    if (closed) return;
    timer = vertx.setTimer(Math.max(1, ms), id -> resolve().onComplete(ar ->
        schedule(ar.succeeded() ? ar.result() : cfg.refresh().toMillis())));
  }

  /** Resolves and updates the group; the result is the delay until the next resolution. */
  Future<Long> resolve() {
    Future<Long> f = cfg.type() == ServiceConfig.Discovery.Type.SRV ? srv() : addresses();
    return f.onFailure(e -> LOG.warning("event=discovery_failed service=" + service + " name=" + cfg.name() + " error=" + e));
  }

  private Future<Long> addresses() {
    return hostAddresses(cfg.name()).map(ips -> {
      List<EndpointGroup.Weighted> found = new ArrayList<>();
      for (String ip : ips) found.add(new EndpointGroup.Weighted(new Endpoint(ip, cfg.port(), false), 1));
      apply(found);
      return cfg.refresh().toMillis();
    });
  }

  private Future<List<String>> hostAddresses(String host) {
    Future<List<String>> a = dns.resolveA(host).otherwise(List.of());
    Future<List<String>> aaaa = dns.resolveAAAA(host).otherwise(List.of());
    return Future.all(a, aaaa).map(cf -> {
      List<String> ips = new ArrayList<>(a.result());
      ips.addAll(aaaa.result());
      return ips;
    });
  }

  private Future<Long> srv() {
    return dns.resolveSRV(cfg.name()).compose(records -> {
      List<Future<List<EndpointGroup.Weighted>>> parts = new ArrayList<>();
      long ttl = cfg.refresh().toSeconds();
      for (SrvRecord r : records) {
        ttl = Math.min(ttl, r.ttl());
        parts.add(hostAddresses(stripDot(r.target())).map(ips -> ips.stream()
            .map(ip -> new EndpointGroup.Weighted(new Endpoint(ip, r.port(), false), Math.max(1, r.weight())))
            .toList()));
      }
      long next = Math.max(1, ttl) * 1000;
      return Future.all(parts).map(cf -> {
        List<EndpointGroup.Weighted> found = new ArrayList<>();
        for (Future<List<EndpointGroup.Weighted>> p : parts) found.addAll(p.result());
        apply(found);
        return next;
      });
    });
  }

  private void apply(List<EndpointGroup.Weighted> found) {
    if (found.isEmpty()) {
      LOG.warning("event=discovery_empty service=" + service + " name=" + cfg.name() + " kept=" + group.all().length);
      return;
    }
    List<EndpointGroup.Weighted> sorted = found.stream().distinct()
        .sorted((x, y) -> x.endpoint().authority().compareTo(y.endpoint().authority())).toList();
    List<EndpointGroup.Weighted> current = java.util.Arrays.stream(group.all())
        .map(e -> new EndpointGroup.Weighted(e.endpoint, e.weight)).toList();
    if (!sorted.equals(current)) {
      group.update(sorted);
      LOG.info("event=discovery_update service=" + service + " name=" + cfg.name() + " endpoints=" + sorted.size());
    }
  }

  private static String stripDot(String name) {
    return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
  }

  void close() {
    closed = true;
    if (timer >= 0) vertx.cancelTimer(timer);
  }
}
