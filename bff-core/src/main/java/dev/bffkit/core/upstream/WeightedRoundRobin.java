package dev.bffkit.core.upstream;

import io.vertx.core.MultiMap;

/**
 * Smooth weighted round robin (nginx's): an endpoint of weight 3 gets three picks in every
 * (3 + others) and they are spread out, not bunched. The schedule is rebuilt whenever the
 * candidate set changes (rare), then picks are an index bump.
 */
public final class WeightedRoundRobin implements Balancer {
  private EndpointState[] builtFor;
  private EndpointState[] schedule;
  private int next;

  @Override
  public EndpointState pick(EndpointState[] c, MultiMap headers, EndpointState avoid) {
    if (c != builtFor) {
      schedule = schedule(c);
      builtFor = c;
      next = 0;
    }
    EndpointState[] s = schedule;
    EndpointState e = s[Math.floorMod(next++, s.length)];
    if (e == avoid && c.length > 1) {
      for (int k = 0; k < s.length && e == avoid; k++) e = s[Math.floorMod(next++, s.length)];
    }
    return e;
  }

  static EndpointState[] schedule(EndpointState[] c) {
    int total = 0;
    for (EndpointState e : c) total += e.weight;
    EndpointState[] out = new EndpointState[total];
    int[] current = new int[c.length];
    for (int k = 0; k < total; k++) {
      int best = 0;
      for (int i = 0; i < c.length; i++) {
        current[i] += c[i].weight;
        if (current[i] > current[best]) best = i;
      }
      current[best] -= total;
      out[k] = c[best];
    }
    return out;
  }
}
