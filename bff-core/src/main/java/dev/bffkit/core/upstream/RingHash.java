package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ServiceConfig;
import io.vertx.core.MultiMap;
import java.util.Arrays;

/**
 * Consistent hashing on a ring (Envoy's ring_hash): each endpoint owns 100 × weight points, a key
 * goes to the first point at or after its hash. When an endpoint leaves, only its keys move.
 * Requests without a key fall back to least request.
 */
public final class RingHash implements Balancer {
  static final int POINTS_PER_WEIGHT = 100;

  private final ServiceConfig.HashOn on;
  private final Balancer fallback;
  private EndpointState[] builtFor;
  private long[] hashes;
  private EndpointState[] owners;

  public RingHash(ServiceConfig.HashOn on, Balancer fallback) {
    this.on = on;
    this.fallback = fallback;
  }

  @Override
  public EndpointState pick(EndpointState[] c, MultiMap headers, EndpointState avoid) {
    String key = HashKey.of(on, headers);
    if (key == null || c.length == 1) return fallback.pick(c, headers, avoid);
    if (c != builtFor) build(c);
    int i = Arrays.binarySearch(hashes, HashKey.hash(key));
    if (i < 0) i = -i - 1;
    if (i == hashes.length) i = 0;
    EndpointState e = owners[i];
    for (int k = 1; e == avoid && k < owners.length; k++) e = owners[(i + k) % owners.length];
    return e;
  }

  private void build(EndpointState[] c) {
    int total = 0;
    for (EndpointState e : c) total += POINTS_PER_WEIGHT * e.weight;
    long[][] points = new long[total][];
    int k = 0;
    for (int i = 0; i < c.length; i++) {
      String base = c[i].endpoint.host() + ":" + c[i].endpoint.port() + "_";
      for (int p = 0; p < POINTS_PER_WEIGHT * c[i].weight; p++) {
        points[k++] = new long[] {HashKey.hash(base + p), i};
      }
    }
    Arrays.sort(points, (a, b) -> Long.compare(a[0], b[0]));
    hashes = new long[total];
    owners = new EndpointState[total];
    for (int p = 0; p < total; p++) {
      hashes[p] = points[p][0];
      owners[p] = c[(int) points[p][1]];
    }
    builtFor = c;
  }
}
