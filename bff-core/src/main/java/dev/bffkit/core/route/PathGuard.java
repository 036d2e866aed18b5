package dev.bffkit.core.route;

/**
 * Refuses request paths that could mean something else to an upstream than to our router:
 * dot segments ({@code /../}, {@code /./}), their percent-encoded forms, encoded slashes and
 * backslashes, and control characters. Upstreams normalise paths differently, so we never
 * forward a path whose meaning depends on normalisation (a prefix route must not be escaped).
 */
public final class PathGuard {
  private PathGuard() {}

  /** Null when the path is fine, else the reason it is refused. */
  public static String check(String path) {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') return "the path must start with '/'";
    int n = path.length();
    for (int i = 0; i < n; i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\\') return "the path contains a forbidden character";
      if (c == '%' && i + 2 < n) {
        char a = path.charAt(i + 1);
        char b = Character.toLowerCase(path.charAt(i + 2));
        if ((a == '2' && (b == 'e' || b == 'f')) || (a == '5' && b == 'c') || (a == '0' && b == '0')) {
          return "the path contains an encoded '.', '/', '\\' or NUL";
        }
      }
      if (c == '/' && i + 1 < n && path.charAt(i + 1) == '.') {
        int end = i + 2;
        if (end < n && path.charAt(end) == '.') end++;
        if (end == n || path.charAt(end) == '/') return "the path contains a dot segment";
      }
    }
    return null;
  }
}
