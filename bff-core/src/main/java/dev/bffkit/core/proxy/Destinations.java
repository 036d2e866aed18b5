package dev.bffkit.core.proxy;

import dev.bffkit.core.config.RouteRuleConfig;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.route.ContentRules;
import dev.bffkit.core.upstream.HttpUpstreams;
import dev.bffkit.core.upstream.Service;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * Where a proxy route's requests go on one event loop: the route's own service, or what its
 * content rules ({@link ContentRules}) pick, each resolved once to this loop's {@link Service}
 * and, for a rule that pins a version, its {@link Service.Pin}. Each pick is counted in
 * {@code bff_route_rule_total{route, rule}} ({@code rule="default"}: no rule held).
 */
public final class Destinations {
  /** One place a request can go. */
  public record Destination(Service service, Service.Pin pin, Counter picked) {}

  private final ContentRules rules;
  private final Destination[] byRule;
  private final Destination fallback;

  private Destinations(ContentRules rules, Destination[] byRule, Destination fallback) {
    this.rules = rules;
    this.byRule = byRule;
    this.fallback = fallback;
  }

  /** Every request to {@code service}. */
  public static Destinations single(Service service) {
    return new Destinations(ContentRules.NONE, new Destination[0], new Destination(service, null, null));
  }

  /** The route's rules resolved on this loop; {@code registry} null: not counted. */
  public static Destinations of(String route, String service, ContentRules rules, HttpUpstreams upstreams,
      MeterRegistry registry) {
    List<RouteRuleConfig> configs = rules.configs();
    Destination[] byRule = new Destination[configs.size()];
    for (int i = 0; i < byRule.length; i++) {
      RouteRuleConfig r = configs.get(i);
      Service s = upstreams.service(r.service() != null ? r.service() : service);
      byRule[i] = new Destination(s, r.subset().isEmpty() ? null : s.pin(r.subset()), counter(registry, route, r.name()));
    }
    Counter fallbackCount = rules.isEmpty() ? null : counter(registry, route, "default");
    return new Destinations(rules, byRule, new Destination(upstreams.service(service), null, fallbackCount));
  }

  private static Counter counter(MeterRegistry registry, String route, String rule) {
    if (registry == null) return null;
    return Counter.builder("bff.route.rule").description("Proxy requests by the content rule that picked their destination")
        .tags("route", route, "rule", rule).register(registry);
  }

  public boolean readsBody() {
    return rules.readsBody();
  }

  /** The destination for this request; {@code body} is its parsed JSON body, or null when none was read. */
  public Destination pick(Exchange ex, Object body) {
    if (byRule.length == 0) return fallback;
    int i = rules.pick(ex, body);
    Destination d = i < 0 ? fallback : byRule[i];
    if (d.picked != null) d.picked.increment();
    return d;
  }
}
