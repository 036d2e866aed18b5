package dev.bffkit.core.upstream;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One endpoint of a service as the whole BFF sees it (shared by every event loop): its requests
 * in flight (what least-request balances on), its health as judged by active checks and by
 * passive outlier detection, and when it joined (for slow start). Counters are atomics; the
 * per-request path reads and bumps them and never locks.
 */
public final class EndpointState {
  final Endpoint endpoint;
  final int weight;
  /** Requests in flight to this endpoint, from every event loop. */
  final AtomicInteger active = new AtomicInteger();
  final LongAdder requests = new LongAdder();
  /** Consecutive 5xx / connect failures seen by the outlier detector. */
  final AtomicInteger consecutiveErrors = new AtomicInteger();
  /** Start of its slow-start ramp (System.nanoTime()); reset when it comes back. */
  volatile long warmSince;
  /** Active health check verdict. */
  volatile boolean healthy = true;
  /** Ejected by the outlier detector until this System.nanoTime(), 0 = not ejected. */
  volatile long ejectedUntil;
  // Guarded by OutlierDetector's lock.
  int ejections;
  long lastEjectedAt;
  // Touched only by the health checker's context.
  int checkPasses;
  int checkFailures;

  EndpointState(Endpoint endpoint, int weight, long now) {
    this.endpoint = endpoint;
    this.weight = Math.max(1, weight);
    this.warmSince = now;
  }

  public Endpoint endpoint() {
    return endpoint;
  }

  public int weight() {
    return weight;
  }

  public int active() {
    return active.get();
  }

  public long requests() {
    return requests.sum();
  }

  public boolean healthy() {
    return healthy;
  }

  public boolean ejected() {
    return ejectedUntil != 0;
  }

  boolean available() {
    return healthy && ejectedUntil == 0;
  }

  @Override
  public String toString() {
    return endpoint.authority();
  }
}
