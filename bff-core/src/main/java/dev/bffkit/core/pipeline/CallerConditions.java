package dev.bffkit.core.pipeline;

import dev.bffkit.core.config.Condition;
import dev.bffkit.core.security.Principal;
import io.vertx.core.MultiMap;
import java.util.Collection;
import java.util.List;

/**
 * The tests of a {@link Condition} that read only who is calling: a client header, a cookie, a
 * claim of the verified principal. Shared by content rules and a canary's {@code match}, so both
 * read a condition the same way: equal to one of the values (present, with no values); a
 * repeated header or a list claim holds when any of its values does; a claim is never read from
 * a header.
 */
public final class CallerConditions {
  private CallerConditions() {}

  /** Whether {@code c} (a HEADER, COOKIE or CLAIM condition) holds for this caller. */
  public static boolean holds(Condition c, MultiMap headers, Principal principal) {
    List<String> values = c.values();
    return switch (c.source()) {
      case HEADER -> {
        if (headers == null) yield false;
        for (String v : headers.getAll(c.name())) if (is(v, values)) yield true;
        yield false;
      }
      case COOKIE -> is(Cookies.value(headers, c.name()), values);
      case CLAIM -> claim(principal, c.name(), values);
      default -> throw new IllegalArgumentException(c.source() + " is not read from the caller");
    };
  }

  private static boolean claim(Principal p, String name, List<String> values) {
    if (p == null) return false;
    Object v = p.claims().get(name);
    if (v instanceof Collection<?> list) {
      for (Object x : list) if (x != null && is(String.valueOf(x), values)) return true;
      return false;
    }
    return v != null && is(String.valueOf(v), values);
  }

  /** {@code got} is present and, when {@code values} are given, one of them. */
  public static boolean is(String got, List<String> values) {
    if (got == null) return false;
    if (values.isEmpty()) return true;
    for (int i = 0; i < values.size(); i++) if (values.get(i).equals(got)) return true;
    return false;
  }
}
