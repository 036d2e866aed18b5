package dev.bffkit.core.server;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids: the client's {@code X-Request-Id} when it is sane (so a trace spans client and
 * gateway), else a fresh 16-hex-digit random id.
 */
public final class RequestIds {
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final int MAX_LENGTH = 128;

  private RequestIds() {}

  public static String accept(String incoming) {
    return incoming != null && sane(incoming) ? incoming : generate();
  }

  public static String generate() {
    long v = ThreadLocalRandom.current().nextLong();
    char[] out = new char[16];
    for (int i = 15; i >= 0; i--) {
      out[i] = HEX[(int) (v & 0xf)];
      v >>>= 4;
    }
    return new String(out);
  }

  /** Letters, digits and {@code -_.:} only, so the id is safe in logs and headers. */
  static boolean sane(String id) {
    int n = id.length();
    if (n == 0 || n > MAX_LENGTH) return false;
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || c == '.' || c == ':';
      if (!ok) return false;
    }
    return true;
  }
}
