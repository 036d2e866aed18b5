package dev.bffkit.core.config;

import dev.bffkit.core.config.YamlReader.Obj;
import dev.bffkit.core.config.YamlReader.Scalar;
import io.vertx.core.json.pointer.JsonPointer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses a proxy route's content rules ({@code routes[].rules}) and the conditions they match on;
 * every error names its file and line. A condition is one mapping:
 * <pre>
 * { header: x-api-version, value: "2" }       # equal to
 * { claim: tier, value: [gold, platinum] }     # one of
 * { query: debug }                             # present, any value
 * { cookie: beta, value: "1" }
 * { body: /order/priority, value: high }       # a JSON Pointer into a JSON body (RFC 6901)
 * { method: [POST, PUT] }
 * { path: /api/orders/bulk }                   # the path under this prefix
 * </pre>
 */
final class RouteRulesYaml {
  private static final Set<String> RULE = ConfigKeys.RULE.names();
  private static final Set<String> CONDITION = ConfigKeys.CONDITION.names();
  private static final String EXAMPLE = "write e.g. { header: x-api-version, value: \"2\" }";

  private RouteRulesYaml() {}

  static List<RouteRuleConfig> rules(Obj route, String prefix, Map<String, ServiceConfig> services) {
    List<RouteRuleConfig> out = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Obj r : route.objs("rules", RULE)) {
      String name = r.has("name") ? r.scalar("name", "").value.trim() : "rule-" + (out.size() + 1);
      if (names.contains(name)) throw r.error("a second rule named '" + name + "'; rule names are unique per route");
      names.add(name);
      List<Condition> match = new ArrayList<>();
      for (Obj c : r.objs("match", CONDITION)) match.add(condition(c, prefix, EnumSet.allOf(Condition.Source.class)));
      if (match.isEmpty()) {
        throw r.error("missing 'match'; a rule without conditions would take every request: " + EXAMPLE
            + ", or change the route's service instead");
      }
      String service = null;
      if (r.has("service")) {
        Scalar s = r.scalar("service", "");
        if (!services.containsKey(s.value)) {
          throw s.invalid("is not a service; known services: " + String.join(", ", services.keySet()));
        }
        service = s.value;
      }
      Map<String, String> subset = CanaryYaml.labels(r.obj("subset", null));
      if (service == null && subset.isEmpty()) {
        throw r.error("names no destination; add service: NAME, subset: { version: v2 }, or both");
      }
      GrpcConfig.Pos at = r.pos();
      out.add(new RouteRuleConfig(name, match, service, subset, at.file() + ":" + at.line()));
    }
    return out;
  }

  /** The endpoints a rule's subset names exist: checked once the route's service is known. */
  static void checkSubsets(List<RouteRuleConfig> rules, String routeService, Map<String, ServiceConfig> services) {
    for (RouteRuleConfig r : rules) {
      if (r.subset().isEmpty()) continue;
      ServiceConfig s = services.get(r.service() != null ? r.service() : routeService);
      boolean any = false;
      for (Map<String, String> l : s.labels()) any |= l.entrySet().containsAll(r.subset().entrySet());
      if (!any) {
        throw ConfigException.at(r.declaredAt(), "rule " + r.name() + ": no endpoint of service " + s.name()
            + " has the labels " + r.subset() + "; label them, e.g. endpoints: [ { url: \"http://…\", labels: "
            + r.subset() + " } ]");
      }
    }
  }

  /** One condition among {@code allowed} sources (the mapping's keys were checked by the caller); {@code prefix}: the route's, for a path. */
  static Condition condition(Obj c, String prefix, Set<Condition.Source> allowed) {
    Condition.Source source = null;
    String names = String.join(", ", allowed.stream().map(a -> a.name().toLowerCase(Locale.ROOT)).sorted().toList());
    for (String key : c.keys()) {
      if (key.equals("value")) continue;
      if (source != null) throw c.error("one of " + names + " per condition; list two conditions for two");
      source = Condition.Source.valueOf(key.toUpperCase(Locale.ROOT));
    }
    if (source == null) throw c.error("missing what to test (" + names + "); " + EXAMPLE);
    String key = source.name().toLowerCase(Locale.ROOT);
    List<String> values = new ArrayList<>();
    if (source == Condition.Source.METHOD) {
      if (c.has("value")) throw c.keyError("value", "a method condition lists its methods: { method: [POST, PUT] }");
      for (Scalar m : c.scalars("method")) {
        String method = m.value.trim().toUpperCase(Locale.ROOT);
        if (!BffYaml.METHODS.contains(method)) throw m.invalid("is not an HTTP method");
        values.add(method);
      }
      return new Condition(source, null, values);
    }
    Scalar subject = c.scalar(key, "");
    String name = subject.value.trim();
    if (c.has("value")) for (Scalar v : c.scalars("value")) values.add(v.value);
    switch (source) {
      case PATH -> {
        if (!values.isEmpty()) throw c.keyError("value", "a path condition is the prefix itself: { path: /api/orders/bulk }");
        if (!name.startsWith(prefix.endsWith("/") ? prefix : prefix + "/") && !name.equals(prefix)) {
          throw subject.invalid("is not under the route's prefix " + prefix + "; write a longer path under it");
        }
      }
      case HEADER, COOKIE -> {
        if (!BffYaml.HEADER_NAME.matcher(name).matches()) throw subject.invalid("is not a " + key + " name (RFC 9110 §5.6.2 token)");
        if (source == Condition.Source.HEADER) name = name.toLowerCase(Locale.ROOT);
      }
      case QUERY, CLAIM -> {
        if (name.isEmpty()) throw subject.invalid("is empty; name the " + key);
      }
      case BODY -> {
        if (!name.startsWith("/")) throw subject.invalid("is not a JSON Pointer (RFC 6901); write e.g. /order/priority");
        try {
          JsonPointer.from(name);
        } catch (IllegalArgumentException e) {
          throw subject.invalid("is not a JSON Pointer (RFC 6901): " + e.getMessage());
        }
      }
      default -> throw new IllegalStateException(source.name());
    }
    return new Condition(source, name, values);
  }
}
