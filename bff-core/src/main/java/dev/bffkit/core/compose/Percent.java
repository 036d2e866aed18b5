package dev.bffkit.core.compose;

import java.nio.charset.StandardCharsets;

/**
 * Percent-encoding for values substituted into upstream URLs. Everything but RFC 3986
 * "unreserved" characters is encoded, so a value is always exactly one path segment or one
 * query component: {@code ../../admin?x=1} can never climb paths or add parameters.
 */
public final class Percent {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private Percent() {}

  static boolean unreserved(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '-' || c == '.' || c == '_' || c == '~';
  }

  public static String encode(String s) {
    int i = 0;
    int n = s.length();
    while (i < n && unreserved(s.charAt(i))) i++;
    if (i == n) return s;
    StringBuilder sb = new StringBuilder(n + 16).append(s, 0, i);
    appendEncoded(sb, s.substring(i));
    return sb.toString();
  }

  public static void appendEncoded(StringBuilder sb, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (unreserved(c)) {
        sb.append(c);
      } else if (c < 0x80) {
        hex(sb, c);
      } else {
        // Rare path: non-ASCII goes through UTF-8 (surrogate pairs included).
        int end = i + 1;
        while (end < s.length() && s.charAt(end) >= 0x80) end++;
        for (byte b : s.substring(i, end).getBytes(StandardCharsets.UTF_8)) hex(sb, b & 0xff);
        i = end - 1;
      }
    }
  }

  private static void hex(StringBuilder sb, int b) {
    sb.append('%').append(HEX[b >> 4]).append(HEX[b & 0xf]);
  }
}
