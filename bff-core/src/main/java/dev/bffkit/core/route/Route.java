package dev.bffkit.core.route;

import dev.bffkit.core.config.Condition;
import dev.bffkit.core.config.RouteRuleConfig;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One entry of the {@link RouteTable}: match + methods + target kind + policy + where it was
 * declared. {@code id} indexes the per-event-loop target array; {@code source} is the
 * declaration the route was compiled from (a proxy route's config, a transcoding binding, a
 * screen's name, ...), which the server reads once to build the route's target.
 */
public record Route(int id, String name, RouteKind kind, RouteMatch match, Set<HttpMethod> methods,
    RoutePolicy policy, String declaredAt, Object source) {

  public Route {
    methods = Set.copyOf(methods);
  }

  /** Empty {@code methods} allows every method. */
  public boolean allows(HttpMethod method) {
    return methods.isEmpty() || methods.contains(method);
  }

  public Route withId(int newId) {
    return new Route(newId, name, kind, match, methods, policy, declaredAt, source);
  }

  public Route withPolicy(RoutePolicy newPolicy) {
    return new Route(id, name, kind, match, methods, newPolicy, declaredAt, source);
  }

  String methodList() {
    if (methods.isEmpty()) return "*";
    TreeSet<String> names = new TreeSet<>();
    for (HttpMethod m : methods) names.add(m.name());
    return String.join(",", names);
  }

  /** One line of the printed table. */
  public String describe() {
    return "route=" + name + " kind=" + kind.label() + " match=\"" + match.describe() + "\" methods=" + methodList()
        + " " + policy.describe() + " at=" + declaredAt;
  }

  private static JsonArray rules(ContentRules rules) {
    JsonArray a = new JsonArray();
    for (RouteRuleConfig r : rules.configs()) {
      JsonArray match = new JsonArray();
      for (Condition c : r.match()) match.add(c.describe());
      JsonObject j = new JsonObject().put("name", r.name()).put("match", match);
      if (r.service() != null) j.put("service", r.service());
      if (!r.subset().isEmpty()) j.put("subset", new JsonObject(Map.copyOf(r.subset())));
      a.add(j.put("declaredAt", r.declaredAt()));
    }
    return a;
  }

  public JsonObject toJson() {
    JsonObject p = new JsonObject()
        .put("authRequired", policy.authRequired())
        .put("scopes", new TreeSet<>(policy.scopes()).stream().toList())
        .put("maxBodyBytes", policy.maxBodyBytes())
        .put("bodyTimeoutMs", policy.bodyTimeout().toMillis())
        .put("minBodyRate", policy.minBodyRate())
        .put("deadlineMs", policy.deadline().toMillis());
    if (policy.service() != null) p.put("service", policy.service());
    if (!policy.rateLimits().isEmpty()) p.put("rateLimits", policy.rateLimits().describe());
    if (policy.mirror() != null) p.put("mirror", policy.mirror().describe());
    if (!policy.rules().isEmpty()) p.put("rules", rules(policy.rules()));
    if (!policy.wasm().isEmpty()) p.put("wasm", new JsonArray(policy.wasmNames()));
    return new JsonObject()
        .put("name", name)
        .put("kind", kind.label())
        .put("match", match.describe())
        .put("methods", methodList())
        .put("policy", p)
        .put("declaredAt", declaredAt);
  }
}
