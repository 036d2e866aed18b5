package dev.bffkit.core.wasm;

import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.WasmFilterConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A bundle's Proxy-Wasm filters, compiled (off the event loop: at start-up, or on the reload's worker). A reload
 * compiles the new files and the route table swaps to them atomically on every loop; requests in flight finish with
 * the modules they started with. A filter that fails to load refuses the whole reload, and the old one keeps
 * serving. A filter keeps its shared data across reloads (by name), as a proxy keeps it across VM restarts.
 */
public final class WasmFilters {
  private static final Map<String, SharedData> SHARED = new ConcurrentHashMap<>();

  private final List<FilterModule> modules;

  private WasmFilters(List<FilterModule> modules) {
    this.modules = modules;
  }

  public static WasmFilters compile(List<WasmFilterConfig> configs) {
    List<FilterModule> out = new ArrayList<>(configs.size());
    for (WasmFilterConfig c : configs) {
      out.add(FilterModule.compile(c, SHARED.computeIfAbsent(c.name(), n -> new SharedData())));
    }
    return new WasmFilters(List.copyOf(out));
  }

  /** The filters of the route so named, in the order written. */
  public List<FilterModule> forRoute(String routeName) {
    List<FilterModule> out = null;
    for (FilterModule m : modules) {
      if (m.config.appliesTo(routeName)) {
        if (out == null) out = new ArrayList<>(2);
        out.add(m);
      }
    }
    return out == null ? List.of() : out;
  }

  /** Every route entry of every filter names a route of the table (or is a pattern matching one). */
  public void checkRoutes(Collection<String> routeNames) {
    for (FilterModule m : modules) {
      for (String r : m.config.routes()) {
        boolean matches = false;
        for (String name : routeNames) matches |= WasmFilterConfig.matches(r, name);
        if (!matches) {
          throw ConfigException.at(m.config.declaredAt(), "filters.wasm '" + m.name() + "': route '" + r
              + "' is not a route; name one as --routes prints it (" + String.join(", ", routeNames) + ")");
        }
      }
    }
  }
}
