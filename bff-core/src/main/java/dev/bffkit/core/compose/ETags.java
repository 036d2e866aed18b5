package dev.bffkit.core.compose;

import io.vertx.core.buffer.Buffer;

/** Weak ETags from a 64-bit FNV-1a hash of the body, and If-None-Match matching. */
final class ETags {
  private ETags() {}

  static String weak(Buffer body) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0, n = body.length(); i < n; i++) {
      h ^= body.getByte(i) & 0xff;
      h *= 0x100000001b3L;
    }
    return "W/\"" + Long.toHexString(h) + "-" + Integer.toHexString(body.length()) + "\"";
  }

  /** Weak comparison (RFC 9110 §13.1.2): {@code *}, or any listed tag equal ignoring {@code W/}. */
  static boolean matches(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null) return false;
    String opaque = strip(etag);
    for (String candidate : ifNoneMatch.split(",")) {
      String c = candidate.trim();
      if (c.equals("*") || strip(c).equals(opaque)) return true;
    }
    return false;
  }

  private static String strip(String tag) {
    return tag.startsWith("W/") ? tag.substring(2) : tag;
  }
}
