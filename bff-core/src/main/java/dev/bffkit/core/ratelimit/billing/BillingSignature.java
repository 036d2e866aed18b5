package dev.bffkit.core.ratelimit.billing;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code BFF-Signature} header of a billing webhook call, Stripe's scheme:
 * {@code t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>}. The timestamp is signed with the body, so
 * a receiver that checks it against its clock (a tolerance of a few minutes) refuses a replayed old call.
 *
 * <p>{@link #verify} is for receivers and tests. It parses strictly and never throws: {@code t=} with 1 to 12
 * digits first, then one or more {@code ,v1=} with exactly 64 lower-case hex digits (several during a secret
 * rotation, one per secret), nothing else: no spaces, no other schemes, at most {@value #MAX_HEADER} chars.
 */
public final class BillingSignature {

  /** The header's name. */
  public static final String HEADER = "BFF-Signature";

  static final int MAX_HEADER = 1024;
  private static final int HEX_LENGTH = 64;
  private static final int MAX_DIGITS = 12; // unix seconds until the year 33658: no overflow, no sign
  private static final HexFormat HEX = HexFormat.of();

  private BillingSignature() {}

  /** The header value for {@code body} sent at {@code unixSeconds}. */
  public static String sign(String secret, long unixSeconds, byte[] body) {
    if (unixSeconds < 0) throw new IllegalArgumentException("unixSeconds must be >= 0, got " + unixSeconds);
    return "t=" + unixSeconds + ",v1=" + HEX.formatHex(mac(secret, unixSeconds, body));
  }

  /**
   * True when {@code header} is well formed, its timestamp is within {@code toleranceSeconds} of
   * {@code nowSeconds} (either side: clocks differ), and one of its {@code v1} signatures is the HMAC of
   * {@code body} under {@code secret}. Compared in constant time. False for anything else, null included.
   */
  public static boolean verify(String secret, String header, byte[] body, long nowSeconds, long toleranceSeconds) {
    if (secret == null || secret.isEmpty() || header == null || body == null || header.length() > MAX_HEADER
        || !header.startsWith("t=")) {
      return false;
    }
    int i = 2;
    long t = 0;
    while (i < header.length() && header.charAt(i) >= '0' && header.charAt(i) <= '9') {
      t = t * 10 + (header.charAt(i) - '0');
      i++;
    }
    int digits = i - 2;
    if (digits == 0 || digits > MAX_DIGITS || i == header.length()) return false; // a signature is required
    // nowSeconds >= 0 and t < 10^12: the difference cannot overflow.
    if (nowSeconds < 0 || toleranceSeconds < 0 || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
    byte[] expected = mac(secret, t, body);
    boolean match = false;
    while (i < header.length()) {
      // Each element: ",v1=" then 64 lower-case hex digits.
      if (!header.startsWith(",v1=", i) || header.length() - (i + 4) < HEX_LENGTH) return false;
      int start = i + 4;
      int end = start + HEX_LENGTH;
      byte[] given = new byte[HEX_LENGTH / 2];
      for (int j = start; j < end; j += 2) {
        int hi = lowerHex(header.charAt(j));
        int lo = lowerHex(header.charAt(j + 1));
        if (hi < 0 || lo < 0) return false;
        given[(j - start) / 2] = (byte) (hi << 4 | lo);
      }
      // No early exit on a match: every element is parsed, so a malformed tail is refused whatever came first.
      match |= MessageDigest.isEqual(expected, given);
      i = end;
    }
    return match;
  }

  private static int lowerHex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  }

  private static byte[] mac(String secret, long unixSeconds, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((unixSeconds + ".").getBytes(StandardCharsets.US_ASCII));
      return mac.doFinal(body);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
    }
  }
}
