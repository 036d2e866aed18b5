package dev.bffkit.core.wasm;

import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code proxy_get_shared_data} / {@code proxy_set_shared_data}: one filter's key-value store, shared by its
 * instances on every event loop, with the ABI's compare-and-swap numbers. Bounded (keys and bytes) so a filter cannot
 * grow the heap without limit; per process, as in Envoy (not shared by a fleet).
 */
final class SharedData {
  static final int MAX_KEYS = 4096;
  static final int MAX_VALUE_BYTES = 64 * 1024;

  record Entry(byte[] value, int cas) {}

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

  Entry get(String key) {
    return entries.get(key);
  }

  /** An ABI status: OK, CAS_MISMATCH, or BAD_ARGUMENT when a bound is passed. */
  int set(String key, byte[] value, int cas) {
    if (value.length > MAX_VALUE_BYTES) return Abi.BAD_ARGUMENT;
    if (!entries.containsKey(key) && entries.size() >= MAX_KEYS) return Abi.BAD_ARGUMENT;
    int[] status = {Abi.OK};
    entries.compute(key, (k, old) -> {
      if (cas != 0 && (old == null || old.cas() != cas)) {
        status[0] = Abi.CAS_MISMATCH;
        return old;
      }
      int next = old == null ? 1 : old.cas() + 1;
      return new Entry(value, next == 0 ? 1 : next);
    });
    return status[0];
  }
}
