package dev.bffkit.core.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One Proxy-Wasm filter ({@code filters.wasm[]}): the module's bytes as read at load, the routes it attaches to
 * (names as {@code --routes} prints them; a trailing {@code *} matches a prefix, {@code *} alone every route), its
 * plugin configuration (a YAML mapping or list is passed as JSON text, a scalar as written), what a failing filter
 * does to the request ({@code open}: skipped; {@code closed}: 503), and its sandbox: the largest linear memory and
 * the CPU time one callback may take.
 */
public record WasmFilterConfig(String name, String file, byte[] module, List<String> routes, String config,
    Failure failure, long maxMemoryBytes, Duration callbackBudget, String declaredAt) {

  public enum Failure { OPEN, CLOSED }

  public WasmFilterConfig {
    routes = List.copyOf(routes);
  }

  /** By value, the module's bytes included (a record compares arrays by reference). */
  @Override
  public boolean equals(Object o) {
    return o instanceof WasmFilterConfig w && name.equals(w.name) && file.equals(w.file) && Arrays.equals(module, w.module)
        && routes.equals(w.routes) && Objects.equals(config, w.config) && failure == w.failure
        && maxMemoryBytes == w.maxMemoryBytes && callbackBudget.equals(w.callbackBudget) && declaredAt.equals(w.declaredAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, file, Arrays.hashCode(module), routes, config, failure, maxMemoryBytes, callbackBudget);
  }

  @Override
  public String toString() {
    return "WasmFilterConfig[" + name + " " + file + " (" + module.length + " bytes) routes=" + routes + "]";
  }

  /** Whether the filter attaches to the route so named. */
  public boolean appliesTo(String routeName) {
    for (String r : routes) if (matches(r, routeName)) return true;
    return false;
  }

  /** A {@code routes} entry matches a route name: itself, {@code *} (every route), or {@code prefix*}. */
  public static boolean matches(String pattern, String routeName) {
    return pattern.equals("*") || pattern.equals(routeName)
        || (pattern.endsWith("*") && routeName.startsWith(pattern.substring(0, pattern.length() - 1)));
  }
}
