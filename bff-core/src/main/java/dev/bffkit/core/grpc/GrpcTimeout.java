package dev.bffkit.core.grpc;

/**
 * The {@code grpc-timeout} request header, strictly as gRPC PROTOCOL-HTTP2.md defines it:
 * {@code Timeout → TimeoutValue TimeoutUnit}, {@code TimeoutValue} a positive integer of at most
 * 8 ASCII digits, {@code TimeoutUnit} one of {@code H M S m u n}. No regex, no allocation.
 */
final class GrpcTimeout {
  /** The header was absent. */
  static final long NONE = -1;
  /** The header was present but malformed. */
  static final long MALFORMED = -2;
  /** A longer timeout only means "no shorter than the gateway's own deadline" (and cannot overflow a nanosecond clock). */
  private static final long CAP_MILLIS = 86_400_000L;

  private GrpcTimeout() {}

  /** The timeout in milliseconds (sub-millisecond values round up to 1, 0 stays 0), {@link #NONE} or {@link #MALFORMED}. */
  static long millis(String header) {
    if (header == null) return NONE;
    int n = header.length();
    if (n < 2 || n > 9) return MALFORMED;
    long value = 0;
    for (int i = 0; i < n - 1; i++) {
      char c = header.charAt(i);
      if (c < '0' || c > '9') return MALFORMED;
      value = value * 10 + (c - '0');
    }
    long nanosPerUnit = switch (header.charAt(n - 1)) {
      case 'H' -> 3_600_000_000_000L;
      case 'M' -> 60_000_000_000L;
      case 'S' -> 1_000_000_000L;
      case 'm' -> 1_000_000L;
      case 'u' -> 1_000L;
      case 'n' -> 1L;
      default -> -1;
    };
    if (nanosPerUnit < 0) return MALFORMED;
    if (value == 0) return 0;
    if (nanosPerUnit >= 1_000_000L) return Math.min(CAP_MILLIS, value * (nanosPerUnit / 1_000_000L));
    return Math.max(1, (value * nanosPerUnit + 999_999) / 1_000_000L);
  }
}
