package dev.bffkit.loadtests.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The shape of a JSON answer, for checking that two systems answer alike before their speeds are
 * compared: every path with its kind ({@code data.feed → array(10)}, {@code data.feed[3].author.name →
 * string}), so keys, list counts and null-versus-value all count; the values themselves do not.
 */
final class JsonShape {
  private JsonShape() {}

  /** Path → kind for {@code json} (a value as Vert.x decodes it: JsonObject, JsonArray, String, Number, Boolean, null). */
  static SortedMap<String, String> of(Object json) {
    SortedMap<String, String> out = new TreeMap<>();
    walk("$", json, out);
    return out;
  }

  private static void walk(String path, Object v, Map<String, String> out) {
    if (v instanceof JsonObject o) {
      out.put(path, "object");
      for (String k : o.fieldNames()) walk(path + "." + k, o.getValue(k), out);
    } else if (v instanceof JsonArray a) {
      out.put(path, "array(" + a.size() + ")");
      for (int i = 0; i < a.size(); i++) walk(path + "[" + i + "]", a.getValue(i), out);
    } else if (v == null) {
      out.put(path, "null");
    } else if (v instanceof Number) {
      out.put(path, "number");
    } else if (v instanceof Boolean) {
      out.put(path, "boolean");
    } else {
      out.put(path, "string");
    }
  }

  /** Where the shapes of {@code a} and {@code b} differ, one line per path ("$.data.me: object in a, null in b"); empty when alike. */
  static List<String> differences(Object a, String nameA, Object b, String nameB) {
    SortedMap<String, String> sa = of(a);
    SortedMap<String, String> sb = of(b);
    SortedMap<String, String> union = new TreeMap<>(sa);
    union.putAll(sb);
    List<String> diffs = new ArrayList<>();
    for (String path : union.keySet()) {
      String ka = sa.get(path);
      String kb = sb.get(path);
      if (!Objects.equals(ka, kb)) {
        diffs.add(path + ": " + (ka == null ? "absent" : ka) + " in " + nameA + ", " + (kb == null ? "absent" : kb) + " in " + nameB);
      }
    }
    return diffs;
  }
}
