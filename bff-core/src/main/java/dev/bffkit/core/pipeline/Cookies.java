package dev.bffkit.core.pipeline;

import io.vertx.core.MultiMap;

/** Reads one cookie from a request's {@code Cookie} headers (RFC 6265 §4.2.1: {@code name=value} pairs joined by "; "). */
public final class Cookies {
  private Cookies() {}

  /** The first value of cookie {@code name} in any Cookie header, or null; allocates only the value. */
  public static String value(MultiMap headers, String name) {
    if (headers == null) return null;
    for (String h : headers.getAll("cookie")) {
      String v = value(h, name);
      if (v != null) return v;
    }
    return null;
  }

  /** The value of cookie {@code name} in one Cookie header, or null. */
  public static String value(String header, String name) {
    if (header == null) return null;
    int i = 0;
    int n = header.length();
    while (i < n) {
      int end = header.indexOf(';', i);
      if (end < 0) end = n;
      int eq = header.indexOf('=', i);
      if (eq > i && eq < end) {
        int ks = skipSpace(header, i, eq);
        int ke = trimEnd(header, ks, eq);
        if (ke - ks == name.length() && header.regionMatches(ks, name, 0, name.length())) {
          int vs = skipSpace(header, eq + 1, end);
          return header.substring(vs, trimEnd(header, vs, end));
        }
      }
      i = end + 1;
    }
    return null;
  }

  private static int skipSpace(String s, int from, int to) {
    while (from < to && s.charAt(from) == ' ') from++;
    return from;
  }

  private static int trimEnd(String s, int from, int to) {
    while (to > from && s.charAt(to - 1) == ' ') to--;
    return to;
  }
}
