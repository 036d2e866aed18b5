package dev.bffkit.core.config;

import java.time.Duration;

/** Parses the human units of bff.yaml: durations ({@code 250ms}, {@code 10s}) and sizes ({@code 64kb}). */
public final class Units {
  private Units() {}

  /**
   * {@code 250ms}, {@code 10s}, {@code 2m}, {@code 1h}, {@code 30d}, or a bare integer of milliseconds.
   *
   * @return null when {@code text} is not a duration
   */
  public static Duration duration(String text) {
    String s = text.trim().toLowerCase(java.util.Locale.ROOT);
    int digits = leadingDigits(s);
    if (digits == 0 || digits > 12) {
      return null; // 12 digits keep any unit far from overflow
    }
    long n = Long.parseLong(s.substring(0, digits));
    return switch (s.substring(digits).trim()) {
      case "", "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      default -> null;
    };
  }

  /** The shortest text {@link #duration} reads back: {@code 1d}, {@code 2h}, {@code 1m}, {@code 10s} or {@code 250ms}. */
  static String text(Duration d) {
    long ms = d.toMillis();
    if (ms % 86_400_000 == 0) return ms / 86_400_000 + "d";
    if (ms % 3_600_000 == 0) return ms / 3_600_000 + "h";
    if (ms % 60_000 == 0) return ms / 60_000 + "m";
    if (ms % 1000 == 0) return ms / 1000 + "s";
    return ms + "ms";
  }

  /**
   * A byte count: a bare integer, or with {@code b}, {@code kb}, {@code mb} or {@code gb}
   * (powers of 1024).
   *
   * @return -1 when {@code text} is not a size or does not fit in an int
   */
  static long bytes(String text) {
    String s = text.trim().toLowerCase(java.util.Locale.ROOT);
    int digits = leadingDigits(s);
    if (digits == 0 || digits > 10) {
      return -1;
    }
    long n = Long.parseLong(s.substring(0, digits));
    long unit = switch (s.substring(digits).trim()) {
      case "", "b" -> 1;
      case "kb", "k" -> 1L << 10;
      case "mb", "m" -> 1L << 20;
      case "gb", "g" -> 1L << 30;
      default -> -1;
    };
    if (unit < 0 || n * unit > Integer.MAX_VALUE) {
      return -1;
    }
    return n * unit;
  }

  private static int leadingDigits(String s) {
    int i = 0;
    while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
      i++;
    }
    return i;
  }
}
