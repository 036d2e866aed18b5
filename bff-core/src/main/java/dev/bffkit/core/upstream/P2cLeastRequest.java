package dev.bffkit.core.upstream;

import io.vertx.core.MultiMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two choices, least request (the default): two distinct random candidates, the one
 * with fewer requests in flight wins (in flight divided by weight, and by the slow-start factor
 * while an endpoint warms up). The healthy path is two random ints and two counter reads.
 */
public final class P2cLeastRequest implements Balancer {
  private final long slowStartNanos;

  public P2cLeastRequest(long slowStartNanos) {
    this.slowStartNanos = slowStartNanos;
  }

  @Override
  public EndpointState pick(EndpointState[] c, MultiMap headers, EndpointState avoid) {
    int n = c.length;
    if (n == 1) return c[0];
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    int i = rnd.nextInt(n);
    int j = rnd.nextInt(n - 1);
    if (j >= i) j++;
    EndpointState a = c[i];
    EndpointState b = c[j];
    if (a == avoid) return b;
    if (b == avoid) return a;
    if (slowStartNanos == 0 && a.weight == b.weight) {
      return a.active.get() <= b.active.get() ? a : b;
    }
    long now = slowStartNanos == 0 ? 0 : System.nanoTime();
    return load(a, now) <= load(b, now) ? a : b;
  }

  private double load(EndpointState e, long now) {
    double f = slowStartNanos == 0 ? 1.0 : SlowStart.factor(e, slowStartNanos, now);
    return (e.active.get() + 1) / (e.weight * f);
  }
}
