package dev.bffkit.core.ratelimit.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** {@code BFF-Signature}: the HMAC a receiver can recompute, refused when anything about it is off. */
class BillingSignatureTest {

  private static final String SECRET = "whsec_test";
  private static final byte[] BODY = "{\"type\":\"quota.threshold\"}".getBytes(StandardCharsets.UTF_8);
  private static final long NOW = 1_795_000_000L;

  @Test
  void signsTimestampDotBodyWithHmacSha256() throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String expected = HexFormat.of().formatHex(mac.doFinal((NOW + "." + new String(BODY, StandardCharsets.UTF_8))
        .getBytes(StandardCharsets.UTF_8)));
    assertEquals("t=" + NOW + ",v1=" + expected, BillingSignature.sign(SECRET, NOW, BODY));
  }

  @Test
  void roundTripVerifies() {
    String header = BillingSignature.sign(SECRET, NOW, BODY);
    assertTrue(BillingSignature.verify(SECRET, header, BODY, NOW, 300));
    assertTrue(BillingSignature.verify(SECRET, header, BODY, NOW + 300, 300), "at the edge of the tolerance");
    assertTrue(BillingSignature.verify(SECRET, header, BODY, NOW - 300, 300), "a receiver whose clock is behind");
  }

  @Test
  void wrongSecretTamperedBodyAndOldTimestampAreRefused() {
    String header = BillingSignature.sign(SECRET, NOW, BODY);
    assertFalse(BillingSignature.verify("whsec_other", header, BODY, NOW, 300), "wrong secret");
    byte[] tampered = BODY.clone();
    tampered[tampered.length - 2] ^= 1;
    assertFalse(BillingSignature.verify(SECRET, header, tampered, NOW, 300), "tampered body");
    assertFalse(BillingSignature.verify(SECRET, header, BODY, NOW + 301, 300), "replayed later than the tolerance");
    assertFalse(BillingSignature.verify(SECRET, header, BODY, NOW - 301, 300), "from the future");
    // A replay with a fresh timestamp but the old signature: the timestamp is signed.
    String replayed = header.replace("t=" + NOW, "t=" + (NOW + 1000));
    assertFalse(BillingSignature.verify(SECRET, replayed, BODY, NOW + 1000, 300), "timestamp swapped");
  }

  @Test
  void aRotationHeaderWithSeveralSignaturesVerifiesWithEitherSecret() {
    String mine = BillingSignature.sign(SECRET, NOW, BODY);
    String other = BillingSignature.sign("whsec_next", NOW, BODY);
    String both = mine + other.substring(other.indexOf(','));
    assertTrue(BillingSignature.verify(SECRET, both, BODY, NOW, 300));
    assertTrue(BillingSignature.verify("whsec_next", both, BODY, NOW, 300));
    assertFalse(BillingSignature.verify("whsec_third", both, BODY, NOW, 300));
  }

  @Test
  void malformedHeadersAreFalseNeverAnException() {
    String good = BillingSignature.sign(SECRET, NOW, BODY);
    String sig = good.substring(good.indexOf("v1=") + 3);
    List<String> table = List.of(
        "",
        "t=",
        "t=" + NOW,                                   // no signature
        "t=" + NOW + ",",
        "t=" + NOW + ",v1=",
        "t=" + NOW + ",v1=" + sig.substring(1),       // 63 hex digits
        "t=" + NOW + ",v1=" + sig + "0",              // 65
        "t=" + NOW + ",v1=" + sig.toUpperCase(),      // upper-case hex
        "t=" + NOW + ", v1=" + sig,                   // a space
        " t=" + NOW + ",v1=" + sig,
        "t=" + NOW + ",v1=" + sig + ",",              // a dangling separator
        "t=" + NOW + ",v1=" + sig + ",v0=" + sig,     // an unknown scheme after a good one
        "t=" + NOW + ",v1=" + sig + ",v1=zz" + sig.substring(2), // a malformed second signature
        "v1=" + sig + ",t=" + NOW,                    // order
        "t=+" + NOW + ",v1=" + sig,
        "t=-" + NOW + ",v1=" + sig,
        "t=0x" + Long.toHexString(NOW) + ",v1=" + sig,
        "t=9999999999999,v1=" + sig,                  // 13 digits
        "t=99999999999999999999999,v1=" + sig,        // would overflow a long
        "T=" + NOW + ",v1=" + sig,
        "t=" + NOW + ";v1=" + sig,
        "t=" + NOW + ",v1=" + sig.substring(0, 62) + "g0",
        "t=" + NOW + ",v1=" + sig.substring(0, 62) + "\u0661\u0662", // non-ASCII digits
        "t=\u0661" + NOW + ",v1=" + sig,
        "t=" + NOW + ",v1=" + sig + "x".repeat(BillingSignature.MAX_HEADER));
    for (String header : table) {
      assertFalse(BillingSignature.verify(SECRET, header, BODY, NOW, 300), "header: " + header);
    }
    assertFalse(BillingSignature.verify(SECRET, null, BODY, NOW, 300));
    assertFalse(BillingSignature.verify(SECRET, good, null, NOW, 300));
    assertFalse(BillingSignature.verify(null, good, BODY, NOW, 300));
    assertFalse(BillingSignature.verify("", good, BODY, NOW, 300));
    assertFalse(BillingSignature.verify(SECRET, good, BODY, Long.MIN_VALUE, 300), "no overflow into a pass");
    assertFalse(BillingSignature.verify(SECRET, good, BODY, NOW, -1));
    assertTrue(BillingSignature.verify(SECRET, good, BODY, NOW, 0), "the table's headers fail for their shape alone");
  }

  @Test
  void signRefusesANegativeTime() {
    assertThrows(IllegalArgumentException.class, () -> BillingSignature.sign(SECRET, -1, BODY));
  }
}
