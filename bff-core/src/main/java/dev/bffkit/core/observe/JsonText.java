package dev.bffkit.core.observe;

import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * The small pieces of JSON text the access log and the audit trail write by hand, without
 * reflection or a generator per line: quoted strings (RFC 8259 §7), fixed-point milliseconds and
 * ISO-8601 UTC times.
 */
public final class JsonText {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** The text of one wall-clock second, e.g. {@code 2026-11-27T20:15:28}; replaced when the second changes. */
  private record Second(long epochSecond, String text) {}

  private static volatile Second second = new Second(Long.MIN_VALUE, "");

  private JsonText() {}

  /**
   * Appends {@code s} as a JSON string (or {@code null}), cut to {@code max} chars. {@code ascii}:
   * every non-ASCII char as {@code \\uXXXX}, so the text is its own UTF-8 encoding (the audit chain
   * hashes exactly the bytes it writes); lone surrogates, which UTF-8 cannot carry, always are.
   */
  public static StringBuilder string(StringBuilder b, String s, int max, boolean ascii) {
    if (s == null) return b.append("null");
    int n = Math.min(s.length(), max);
    b.append('"');
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || (ascii && c > 0x7e) || loneSurrogate(s, n, i, c)) {
            b.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"');
  }

  /** A surrogate without its pair within the first {@code n} chars (a cut may split a pair). */
  private static boolean loneSurrogate(String s, int n, int i, char c) {
    if (Character.isHighSurrogate(c)) return i + 1 >= n || !Character.isLowSurrogate(s.charAt(i + 1));
    if (Character.isLowSurrogate(c)) return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
    return false;
  }

  /** Nanoseconds as milliseconds with three decimals, e.g. {@code 12.345}; negative counts as 0. */
  public static StringBuilder millis3(StringBuilder b, long nanos) {
    long micros = Math.max(0, nanos) / 1000;
    long frac = micros % 1000;
    b.append(micros / 1000).append('.');
    if (frac < 100) b.append('0');
    if (frac < 10) b.append('0');
    return b.append(frac);
  }

  /** {@code "2026-11-27T20:15:28.123Z"} (quoted), UTC whatever the host's zone. */
  public static StringBuilder isoTime(StringBuilder b, long epochMillis) {
    long sec = Math.floorDiv(epochMillis, 1000);
    int ms = (int) Math.floorMod(epochMillis, 1000);
    Second s = second;
    if (s.epochSecond != sec) { // once a second per thread at most; a benign race between event loops
      LocalDateTime t = LocalDateTime.ofEpochSecond(sec, 0, ZoneOffset.UTC);
      StringBuilder x = new StringBuilder(20);
      pad(x, t.getYear(), 4).append('-');
      pad(x, t.getMonthValue(), 2).append('-');
      pad(x, t.getDayOfMonth(), 2).append('T');
      pad(x, t.getHour(), 2).append(':');
      pad(x, t.getMinute(), 2).append(':');
      pad(x, t.getSecond(), 2);
      s = new Second(sec, x.toString());
      second = s;
    }
    b.append('"').append(s.text).append('.');
    return pad(b, ms, 3).append("Z\"");
  }

  private static StringBuilder pad(StringBuilder b, int v, int width) {
    String d = Integer.toString(v);
    for (int i = d.length(); i < width; i++) b.append('0');
    return b.append(d);
  }
}
