package dev.bffkit.core.proxy;

import io.vertx.core.MultiMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Copies end-to-end headers, dropping the hop-by-hop ones of RFC 9110 §7.6.1. */
final class HopByHop {
  private static final Set<String> DROP = Set.of(
      "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
      "te", "trailer", "transfer-encoding", "upgrade", "host", "http2-settings");

  private HopByHop() {}

  static void copy(MultiMap from, MultiMap to) {
    // Headers named in Connection are hop-by-hop too; rare, so only look when present.
    String connection = from.get("connection");
    Set<String> alsoDrop = connection == null ? Set.of() : tokens(connection);
    for (Map.Entry<String, String> h : from) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (!DROP.contains(name) && !alsoDrop.contains(name) && name.charAt(0) != ':') {
        to.add(h.getKey(), h.getValue());
      }
    }
  }

  private static Set<String> tokens(String value) {
    java.util.HashSet<String> out = new java.util.HashSet<>();
    for (String t : value.split(",")) out.add(t.trim().toLowerCase(Locale.ROOT));
    return out;
  }
}
