package dev.bffkit.core.observe;

import io.vertx.core.http.HttpHeaders;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A request's W3C trace context (https://www.w3.org/TR/trace-context/): the trace id (the
 * caller's, from a valid {@code traceparent}, or a new one), the caller's span id, this
 * request's own span id and whether the trace is sampled. Every request has one, sampled or
 * not, so each log line and each upstream call carries the trace id; only a sampled request
 * records spans. Ids are kept as longs and turned into hex once, when first asked for.
 */
public final class TraceContext {
  /** The W3C headers, as a request carries them in and every upstream call out. */
  static final CharSequence TRACEPARENT = HttpHeaders.createOptimized("traceparent");
  static final CharSequence TRACESTATE = HttpHeaders.createOptimized("tracestate");
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final long traceHi;
  private final long traceLo;
  /** The caller's span (our server span's parent); 0 when the trace starts here. */
  private final long parentSpan;
  private final long spanId;
  private final boolean sampled;
  /** The caller's {@code tracestate}, passed on unchanged (§3.3); null when none. */
  private final String traceState;
  private String traceIdHex;
  private String downstream;

  TraceContext(long traceHi, long traceLo, long parentSpan, long spanId, boolean sampled, String traceState) {
    this.traceHi = traceHi;
    this.traceLo = traceLo;
    this.parentSpan = parentSpan;
    this.spanId = spanId;
    this.sampled = sampled;
    this.traceState = traceState;
  }

  /**
   * The context of a request that sent {@code traceparent} (may be null or malformed: then a new
   * trace starts, §3.2.2.5) and {@code tracestate}; {@code ratio} samples new traces (a caller's
   * sampled flag is followed, as OpenTelemetry's parent-based sampler does).
   */
  public static TraceContext accept(String traceparent, String tracestate, double ratio) {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    long span = nonZero(rnd);
    if (traceparent != null && shaped(traceparent)) {
      long hi = hex(traceparent, 3);
      long lo = hex(traceparent, 19);
      long parent = hex(traceparent, 36);
      long flags = hexByte(traceparent, 53);
      // All-zero ids are invalid (§3.2.2.3, §3.2.2.4); so is any non-hex digit (hex returns -1 then: checked below).
      if (flags >= 0 && validHex(traceparent) && (hi != 0 || lo != 0) && parent != 0) {
        String state = tracestate == null || tracestate.isEmpty() || tracestate.length() > 512 ? null : tracestate;
        return new TraceContext(hi, lo, parent, span, (flags & 1) == 1, state);
      }
    }
    boolean sampled = ratio > 0 && (ratio >= 1 || rnd.nextDouble() < ratio);
    return new TraceContext(nonZero(rnd), rnd.nextLong(), 0, span, sampled, null);
  }

  /** A sampled request's context, from the ids of the server span the SDK started for it. */
  static TraceContext ofSpan(String traceIdHex, String spanIdHex, long parentSpan, String traceState) {
    TraceContext t = new TraceContext(hex(traceIdHex, 0), hex(traceIdHex, 16), parentSpan, hex(spanIdHex, 0), true, traceState);
    t.traceIdHex = traceIdHex;
    return t;
  }

  /** A new root context (background work, tests). */
  public static TraceContext root(boolean sampled) {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    return new TraceContext(nonZero(rnd), rnd.nextLong(), 0, nonZero(rnd), sampled, null);
  }

  private static long nonZero(ThreadLocalRandom rnd) {
    long v;
    do {
      v = rnd.nextLong();
    } while (v == 0);
    return v;
  }

  /**
   * Version 00 is exactly 55 characters. A later version (not ff, which is invalid) is read by
   * its first 55 characters when they have version 00's shape and anything after them starts
   * with '-' (§3.2.4: a newer header is parsed as the version the reader knows).
   */
  private static boolean shaped(String h) {
    int n = h.length();
    if (n < 55 || h.charAt(2) != '-' || h.charAt(35) != '-' || h.charAt(52) != '-') return false;
    boolean v00 = h.charAt(0) == '0' && h.charAt(1) == '0';
    if (v00) return n == 55;
    int hi = Character.digit(h.charAt(0), 16);
    int lo = Character.digit(h.charAt(1), 16);
    boolean lowerHex = Character.isDigit(h.charAt(0)) || Character.isLowerCase(h.charAt(0));
    lowerHex &= Character.isDigit(h.charAt(1)) || Character.isLowerCase(h.charAt(1));
    if (hi < 0 || lo < 0 || !lowerHex || (hi == 15 && lo == 15)) return false;
    return n == 55 || h.charAt(55) == '-';
  }

  private static boolean validHex(String s) {
    for (int i = 3; i < 55; i++) {
      char c = s.charAt(i);
      if (c == '-' && (i == 35 || i == 52)) continue;
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false; // lower-case only (§3.2.2.3)
    }
    return true;
  }

  private static long hex(String s, int from) {
    long v = 0;
    for (int i = from; i < from + 16; i++) v = (v << 4) | Character.digit(s.charAt(i), 16) & 0xf;
    return v;
  }

  private static long hexByte(String s, int from) {
    int a = Character.digit(s.charAt(from), 16);
    int b = Character.digit(s.charAt(from + 1), 16);
    return a < 0 || b < 0 ? -1 : (a << 4) | b;
  }

  public boolean sampled() { return sampled; }

  public long traceIdHigh() { return traceHi; }

  public long traceIdLow() { return traceLo; }

  public long parentSpanId() { return parentSpan; }

  public long spanId() { return spanId; }

  public String traceState() { return traceState; }

  /** 32 lower-case hex digits. */
  public String traceId() {
    String t = traceIdHex;
    if (t == null) {
      char[] c = new char[32];
      put(c, 0, traceHi);
      put(c, 16, traceLo);
      traceIdHex = t = new String(c);
    }
    return t;
  }

  /** The {@code traceparent} an upstream call carries: our trace, {@code span} as its parent, our sampled flag. */
  public String traceparent(long span) {
    char[] c = new char[55];
    c[0] = '0';
    c[1] = '0';
    c[2] = '-';
    put(c, 3, traceHi);
    put(c, 19, traceLo);
    c[35] = '-';
    put(c, 36, span);
    c[52] = '-';
    c[53] = '0';
    c[54] = sampled ? '1' : '0';
    return new String(c);
  }

  /** The {@code traceparent} of calls made without a span of their own (unsampled requests), made once. */
  public String downstream() {
    String d = downstream;
    if (d == null) downstream = d = traceparent(spanId);
    return d;
  }

  /** 16 lower-case hex digits of a span id. */
  public static String spanHex(long span) {
    char[] c = new char[16];
    put(c, 0, span);
    return new String(c);
  }

  private static void put(char[] c, int at, long v) {
    for (int i = 15; i >= 0; i--) {
      c[at + i] = HEX[(int) (v & 0xf)];
      v >>>= 4;
    }
  }
}
