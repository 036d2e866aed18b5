package dev.bffkit.loadtests.demo;

import java.util.ArrayList;
import java.util.List;

/**
 * A demo service played as a serverless function (chaos {@code coldStartMs}): instances that serve one request at a
 * time; a request that finds no idle instance starts a new one and waits its cold start; an instance idle for
 * {@code sleepAfterMs} is gone. Synchronized: only demo traffic with this chaos on comes here.
 */
final class FunctionInstances {
  private static final class Instance {
    boolean busy;
    long lastUsed;
  }

  private final List<Instance> instances = new ArrayList<>();
  private long coldStarts;

  /** A request arrives now: the instance that serves it and how long it first waits (its cold start, or 0). */
  synchronized Object take(long now, int coldStartMs, int sleepAfterMs, long[] delay) {
    instances.removeIf(i -> !i.busy && now - i.lastUsed > sleepAfterMs);
    for (Instance i : instances) {
      if (!i.busy) {
        i.busy = true;
        delay[0] = 0;
        return i;
      }
    }
    Instance fresh = new Instance();
    fresh.busy = true;
    instances.add(fresh);
    coldStarts++;
    delay[0] = coldStartMs;
    return fresh;
  }

  /** The request {@code instance} served has been answered. */
  synchronized void release(Object instance, long now) {
    Instance i = (Instance) instance;
    i.busy = false;
    i.lastUsed = now;
  }

  synchronized long coldStarts() {
    return coldStarts;
  }
}
