package dev.bffkit.core.config;

import java.util.List;
import java.util.Map;

/**
 * One content rule of a proxy route ({@code routes[].rules}): when every condition of
 * {@code match} holds, the request goes to {@code service} (the route's own when the rule names
 * none), to the endpoints labelled {@code subset} when it names one (no canary split then: the
 * rule pins the version). Rules are tried in the order written; the first that holds wins.
 */
public record RouteRuleConfig(String name, List<Condition> match, String service, Map<String, String> subset,
    String declaredAt) {
  public RouteRuleConfig {
    match = List.copyOf(match);
    subset = Map.copyOf(subset);
  }

  /** A condition reads the request body. */
  public boolean readsBody() {
    for (Condition c : match) if (c.source() == Condition.Source.BODY) return true;
    return false;
  }
}
