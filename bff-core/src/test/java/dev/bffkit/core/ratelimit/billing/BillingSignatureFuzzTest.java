package dev.bffkit.core.ratelimit.billing;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link BillingSignature#verify}'s header parser, which reads whatever a receiver was sent: it never
 * throws; a header it accepts is exactly {@code t=<digits>} and 64-hex {@code v1} elements; a header it produced
 * itself verifies, and stops verifying when one character of it changes.
 */
class BillingSignatureFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void verifyNeverThrowsAndAcceptsOnlyTheSigned(FuzzedDataProvider data) {
    String secret = data.consumeString(40);
    byte[] body = data.consumeBytes(200);
    long now = data.consumeLong(-1, 1L << 40);
    long tolerance = data.consumeLong(-1, 1L << 41);
    String header;
    if (data.consumeBoolean()) {
      // Mostly-valid shapes reach deeper than random strings: mutate a real header.
      long t = data.consumeLong(0, 999_999_999_999L);
      header = BillingSignature.sign(secret.isEmpty() ? "s" : secret, t, body);
      int at = data.consumeInt(0, header.length());
      header = header.substring(0, at) + data.consumeString(8) + header.substring(Math.min(header.length(),
          at + data.consumeInt(0, 3)));
    } else {
      header = data.consumeRemainingAsString();
    }
    boolean ok = BillingSignature.verify(secret, header, body, now, tolerance);
    if (ok && !header.matches("t=[0-9]{1,12}(,v1=[0-9a-f]{64})+")) {
      throw new AssertionError("accepted a malformed header: " + header);
    }
    if (!secret.isEmpty() && now >= 0 && now <= 999_999_999_999L && tolerance >= 0) {
      String signed = BillingSignature.sign(secret, now, body);
      if (!BillingSignature.verify(secret, signed, body, now, tolerance)) throw new AssertionError("own signature refused");
      int i = signed.length() - 1 - (int) (Math.floorMod(now, 64));
      char c = signed.charAt(i);
      String changed = signed.substring(0, i) + (c == '0' ? '1' : '0') + signed.substring(i + 1);
      if (BillingSignature.verify(secret, changed, body, now, tolerance)) throw new AssertionError("changed signature accepted");
    }
  }
}
