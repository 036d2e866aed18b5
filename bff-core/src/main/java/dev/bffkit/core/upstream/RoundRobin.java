package dev.bffkit.core.upstream;

import io.vertx.core.MultiMap;

/** Plain round robin over the candidates (per event loop). */
public final class RoundRobin implements Balancer {
  private int next;

  @Override
  public EndpointState pick(EndpointState[] c, MultiMap headers, EndpointState avoid) {
    int i = Math.floorMod(next++, c.length);
    EndpointState e = c[i];
    if (e == avoid && c.length > 1) e = c[(i + 1) % c.length];
    return e;
  }
}
