package dev.bffkit.core.route;

/**
 * Refuses request paths that could mean something else to an upstream than to our router:
 * dot segments ({@code /../}, {@code /./}), their percent-encoded forms, encoded slashes and
 * backslashes, control characters, and dot segments carrying path parameters ({@code /..;x/},
 * {@code /.;/}, {@code /..%3B/}). Upstreams normalise paths differently, so we never forward a
 * path whose meaning depends on normalisation (a prefix route must not be escaped).
 */
public final class PathGuard {
  private PathGuard() {}

  /** Null when the path is fine, else the reason it is refused. */
  public static String check(String path) {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') return "the path must start with '/'";
    int n = path.length();
    int segment = 0; // index of the current segment's leading '/'
    for (int i = 0; i < n; i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\\') return "the path contains a forbidden character";
      if (c == '/') segment = i;
      if (c == '%' && i + 2 < n) {
        char a = path.charAt(i + 1);
        char b = Character.toLowerCase(path.charAt(i + 2));
        if ((a == '2' && (b == 'e' || b == 'f')) || (a == '5' && b == 'c') || (a == '0' && b == '0')) {
          return "the path contains an encoded '.', '/', '\\' or NUL";
        }
        // RFC 3986 §3.3 path parameters: Tomcat and Jetty strip ";params" from each segment
        // *before* resolving dot segments, so "/api/posts/..;/users" reaches a servlet as
        // "/users", outside the route's prefix; some also decode %3B first. A dot segment
        // with parameters is refused, raw or encoded (matrix parameters elsewhere stay legal).
        if (a == '3' && b == 'b' && dotSegment(path, segment + 1, i)) return "the path contains a dot segment with parameters";
      }
      if (c == ';' && dotSegment(path, segment + 1, i)) return "the path contains a dot segment with parameters";
      if (c == '/' && i + 1 < n && path.charAt(i + 1) == '.') {
        int end = i + 2;
        if (end < n && path.charAt(end) == '.') end++;
        if (end == n || path.charAt(end) == '/') return "the path contains a dot segment";
      }
    }
    return null;
  }

  /**
   * Null when every '%' in {@code s} (a path or a query) starts a percent-encoded octet, else the
   * reason: RFC 3986 §2.1 makes it '%' and two hex digits, and a target that breaks it is no URI
   * (RFC 9112 §3.2: 400). Refused at the edge so no decoder on any route meets it.
   */
  public static String malformedEscape(String s, String what) {
    if (s == null) return null;
    int n = s.length();
    for (int i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 1)) {
      if (i + 2 >= n || !hex(s.charAt(i + 1)) || !hex(s.charAt(i + 2))) {
        return "the " + what + " has a '%' not followed by two hex digits (RFC 3986 §2.1)";
      }
    }
    return null;
  }

  private static boolean hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  /** True when {@code path[from, to)} is "." or "..": the segment's name before its parameters. */
  private static boolean dotSegment(String path, int from, int to) {
    int len = to - from;
    return (len == 1 || len == 2) && path.charAt(from) == '.' && (len == 1 || path.charAt(from + 1) == '.');
  }
}
