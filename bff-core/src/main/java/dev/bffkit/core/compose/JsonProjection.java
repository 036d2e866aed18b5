package dev.bffkit.core.compose;

import java.util.HashMap;
import java.util.Map;

/**
 * The parts of an upstream JSON document a plan can read: object keys, each with the
 * projection of its value; arrays are transparent (the projection applies to each element).
 * {@code null} stands for "keep everything" (leaves, JSON scalars, values read whole).
 *
 * <p>Why: upstreams answer with far more than a screen shows (the demo feed's posts carry
 * media, tags and counters the iOS home never draws); skipping them while parsing saves most
 * of the parse's allocation, and so GC pauses in the gateway's tail latency.
 */
final class JsonProjection {
  private final Map<String, JsonProjection> keys = new HashMap<>();
  /** Keys whose whole value is kept (a null child would be ambiguous with "absent"). */
  private final java.util.Set<String> whole = new java.util.HashSet<>();

  /** True when the key is wanted; {@link #child} then says how much of its value. */
  boolean wants(String key) {
    return whole.contains(key) || keys.containsKey(key);
  }

  /** How many keys are wanted (what an object built under this projection holds at most). */
  int size() {
    return whole.size() + keys.size();
  }

  /** The projection of a wanted key's value; null = the whole value. */
  JsonProjection child(String key) {
    return whole.contains(key) ? null : keys.get(key);
  }

  /** Adds {@code path} (dot segments; numeric ones address array items and are skipped) with {@code leaf} at its end. */
  void add(String[] path, int from, JsonProjection leaf) {
    JsonProjection at = this;
    for (int i = from; i < path.length; i++) {
      String seg = path[i];
      if (isIndex(seg)) continue;
      if (at.whole.contains(seg)) return; // already kept whole
      boolean last = i == lastName(path);
      if (last) {
        if (leaf == null) {
          at.whole.add(seg);
          at.keys.remove(seg);
        } else {
          at.keys.computeIfAbsent(seg, k -> new JsonProjection()).union(leaf);
        }
        return;
      }
      at = at.keys.computeIfAbsent(seg, k -> new JsonProjection());
    }
  }

  /** Adds everything {@code other} keeps. */
  void union(JsonProjection other) {
    for (String w : other.whole) {
      whole.add(w);
      keys.remove(w);
    }
    other.keys.forEach((k, v) -> {
      if (!whole.contains(k)) keys.computeIfAbsent(k, x -> new JsonProjection()).union(v);
    });
  }

  private static int lastName(String[] path) {
    for (int i = path.length - 1; i >= 0; i--) if (!isIndex(path[i])) return i;
    return -1;
  }

  private static boolean isIndex(String s) {
    if (s.isEmpty()) return false;
    for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
    return true;
  }

  /** Wraps {@code inner} under a select path: the projection of the whole upstream document. */
  static JsonProjection under(String selectPath, JsonProjection inner) {
    if (selectPath == null || selectPath.isEmpty()) return inner;
    String[] path = selectPath.split("\\.");
    if (lastName(path) < 0) return inner;
    JsonProjection root = new JsonProjection();
    root.add(path, 0, inner);
    return root;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JsonProjection p && p.whole.equals(whole) && p.keys.equals(keys);
  }

  @Override
  public int hashCode() {
    return whole.hashCode() * 31 + keys.hashCode();
  }

  @Override
  public String toString() {
    return "keep " + whole + " project " + keys;
  }
}
