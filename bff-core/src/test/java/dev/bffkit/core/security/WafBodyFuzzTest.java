package dev.bffkit.core.security;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the WAF's reading of proxied request bodies (client-controlled, up to the inspection
 * limit): JSON, forms and multipart with any bytes and any boundary must give a verdict, never an
 * exception (which would turn a hostile body into a 500 rather than a 403 or a pass).
 */
class WafBodyFuzzTest {
  private static final String[] TYPES = {"application/json", "application/problem+json",
      "application/x-www-form-urlencoded", "multipart/form-data", "text/plain", "application/xml"};

  @FuzzTest(maxDuration = "10s")
  void bodies(FuzzedDataProvider data) {
    String mediaType = TYPES[data.consumeInt(0, TYPES.length - 1)];
    String contentType = mediaType + (data.consumeBoolean() ? "; boundary=" + data.consumeString(80) : "");
    Waf.checkBody(mediaType, contentType, data.consumeRemainingAsString());
  }
}
