package dev.bffkit.core.ratelimit;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Usage per caller and billing period in this instance alone: the quota store without Redis, and the floor while
 * Redis is down. Bounded: past {@code maxKeys} callers the entries of past periods go first, then new callers are
 * not metered here (counted in {@link #untracked()}).
 */
final class LocalUsage {
  private final ConcurrentHashMap<String, AtomicLong> used = new ConcurrentHashMap<>();
  private final int maxKeys;
  private final AtomicLong untracked = new AtomicLong();

  LocalUsage(int maxKeys) {
    this.maxKeys = maxKeys;
  }

  /** The usage so far of {@code key} (its period in the key). */
  long get(String key) {
    AtomicLong n = used.get(key);
    return n == null ? 0 : n.get();
  }

  /** Counts one request; the usage after it, or -1 when the table is full. */
  long increment(String key, String period) {
    AtomicLong n = used.get(key);
    if (n == null) {
      if (used.size() >= maxKeys) {
        used.keySet().removeIf(k -> !k.startsWith(period));
        if (used.size() >= maxKeys) {
          untracked.incrementAndGet();
          return -1;
        }
      }
      n = used.computeIfAbsent(key, k -> new AtomicLong());
    }
    return n.incrementAndGet();
  }

  long untracked() {
    return untracked.get();
  }
}
