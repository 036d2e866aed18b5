package dev.bffkit.core.proxy;

import io.vertx.core.MultiMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Copies end-to-end headers, dropping the hop-by-hop ones of RFC 9110 §7.6.1. */
public final class HopByHop {
  private HopByHop() {}

  public static void copy(MultiMap from, MultiMap to) {
    // Headers named in Connection are hop-by-hop too; rare, so only parsed when present.
    String connection = from.get("connection");
    Set<String> alsoDrop = connection == null ? Set.of() : tokens(connection);
    for (Map.Entry<String, String> h : from) {
      String name = h.getKey();
      if (!hopByHop(name) && (alsoDrop.isEmpty() || !alsoDrop.contains(name.toLowerCase(Locale.ROOT)))) {
        to.add(name, h.getValue());
      }
    }
  }

  /** Case-insensitive match without allocating: most headers are rejected by length alone. */
  static boolean hopByHop(String name) {
    if (name.isEmpty() || name.charAt(0) == ':') return true; // h2 pseudo-headers
    return switch (name.length()) {
      case 2 -> name.equalsIgnoreCase("te");
      case 4 -> name.equalsIgnoreCase("host");
      case 7 -> name.equalsIgnoreCase("trailer") || name.equalsIgnoreCase("upgrade");
      case 10 -> name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive");
      case 14 -> name.equalsIgnoreCase("http2-settings");
      case 16 -> name.equalsIgnoreCase("proxy-connection");
      case 17 -> name.equalsIgnoreCase("transfer-encoding");
      case 18 -> name.equalsIgnoreCase("proxy-authenticate");
      case 19 -> name.equalsIgnoreCase("proxy-authorization");
      default -> false;
    };
  }

  private static Set<String> tokens(String value) {
    Set<String> out = new HashSet<>();
    for (String t : value.split(",")) out.add(t.trim().toLowerCase(Locale.ROOT));
    return out;
  }
}
