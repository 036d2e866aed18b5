package dev.bffkit.core.config;

import java.util.List;
import java.util.Set;

/**
 * A plain proxy route, {@code routes:} in bff.yaml: requests whose path starts with
 * {@code prefix} stream to {@code service}, with {@code stripPrefix} removed from the path
 * first (empty for none). An empty {@code methods} set allows every method. {@code rules}
 * send requests by their content to another service or a version of one; the first rule that
 * holds wins, and a request no rule holds for goes to {@code service}.
 */
public record ProxyRouteConfig(String prefix, String service, String stripPrefix, Set<String> methods,
    /** Scopes a caller must all hold (403 otherwise); empty = none. */
    Set<String> scopes,
    /** Where the route was written ({@code bff.yaml:27}), for start-up errors and the route table. */
    String declaredAt,
    /** The largest request body on this route, streamed or not (413 beyond); 0 = server.maxBodyBytes. */
    long maxBodyBytes,
    /** Content rules, in the order written; empty: every request goes to {@code service}. */
    List<RouteRuleConfig> rules) {
  public ProxyRouteConfig {
    methods = Set.copyOf(methods);
    scopes = Set.copyOf(scopes);
    rules = List.copyOf(rules);
    if (declaredAt == null) declaredAt = "code";
  }

  public ProxyRouteConfig(String prefix, String service, String stripPrefix, Set<String> methods, Set<String> scopes) {
    this(prefix, service, stripPrefix, methods, scopes, null, 0, List.of());
  }

  public ProxyRouteConfig(String prefix, String service, String stripPrefix, Set<String> methods, Set<String> scopes,
      String declaredAt) {
    this(prefix, service, stripPrefix, methods, scopes, declaredAt, 0, List.of());
  }

  /** The same route with its own body limit. */
  public ProxyRouteConfig withMaxBodyBytes(long bytes) {
    return new ProxyRouteConfig(prefix, service, stripPrefix, methods, scopes, declaredAt, bytes, rules);
  }

  public ProxyRouteConfig(String prefix, String service, String stripPrefix, Set<String> methods) {
    this(prefix, service, stripPrefix, methods, Set.of());
  }
}
