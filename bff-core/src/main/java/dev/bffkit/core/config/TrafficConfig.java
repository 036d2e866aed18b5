package dev.bffkit.core.config;

import java.util.List;

/**
 * {@code traffic:} in bff.yaml: what the gateway does with live traffic beyond serving it. For now, mirrors: a share
 * of a route's requests copied to a shadow service, fire-and-forget (the client's answer never waits for the copy).
 * Route names are checked against the route table when it is compiled; services when this is parsed.
 */
public record TrafficConfig(List<Mirror> mirrors) {

  public TrafficConfig {
    mirrors = List.copyOf(mirrors);
  }

  public static TrafficConfig none() {
    return new TrafficConfig(List.of());
  }

  /**
   * One route's copies.
   *
   * @param route a route-table name as {@code --routes} prints it, e.g. {@code screen:home}
   * @param service the declared service that receives the copies
   * @param share the share of the route's requests copied, 0..1
   * @param maxConcurrent copies in flight at once (BFF-wide); beyond it a copy is skipped and counted
   * @param maxBodyBytes the largest request body copied (held in memory until it has been read whole); a longer
   *     body's request is not copied, and counted
   * @param declaredAt {@code file:line} of the entry, for errors found after parsing
   */
  public record Mirror(String route, String service, double share, int maxConcurrent, int maxBodyBytes,
      String declaredAt) {
    public static final int DEFAULT_MAX_CONCURRENT = 64;
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
  }
}
