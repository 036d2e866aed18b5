package dev.bffkit.core.compose;

import java.util.List;
import java.util.Map;

/**
 * A dot path into parsed JSON ({@code items}, {@code data.user}, {@code items.0}), compiled
 * once at start-up. Walks plain Map/List values as Jackson produced them; anything missing
 * gives null rather than an error, because upstream payloads are often sparse.
 */
public final class Selector {
  private static final Selector IDENTITY = new Selector("", new String[0], new int[0]);

  private final String text;
  private final String[] names;
  /** The segment as a list index, or -1 when it is not a non-negative integer. */
  private final int[] indexes;

  private Selector(String text, String[] names, int[] indexes) {
    this.text = text;
    this.names = names;
    this.indexes = indexes;
  }

  /** An empty or null path selects the value itself. */
  public static Selector compile(String path) {
    if (path == null || path.isEmpty()) return IDENTITY;
    String[] names = path.split("\\.", -1);
    int[] indexes = new int[names.length];
    for (int i = 0; i < names.length; i++) {
      String n = names[i];
      if (n.isEmpty()) throw new IllegalArgumentException("empty segment in path '" + path + "'");
      indexes[i] = asIndex(n);
    }
    return new Selector(path, names, indexes);
  }

  private static int asIndex(String s) {
    if (s.length() > 9) return -1;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') return -1;
    }
    return Integer.parseInt(s);
  }

  public Object select(Object root) {
    Object cur = root;
    for (int i = 0; i < names.length && cur != null; i++) {
      if (cur instanceof Map<?, ?> m) {
        cur = m.get(names[i]);
      } else if (cur instanceof List<?> l && indexes[i] >= 0) {
        cur = indexes[i] < l.size() ? l.get(indexes[i]) : null;
      } else {
        return null;
      }
    }
    return cur;
  }

  public boolean isIdentity() { return names.length == 0; }

  public String text() { return text; }

  @Override
  public String toString() { return text; }
}
