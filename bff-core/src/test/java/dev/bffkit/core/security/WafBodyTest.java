package dev.bffkit.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** How {@link Waf#checkBody} reads each kind of body. */
class WafBodyTest {
  private static String rule(String media, String body) {
    return rule(media, media, body);
  }

  private static String rule(String media, String contentType, String body) {
    Waf.Hit hit = Waf.checkBody(media, contentType, body);
    return hit == null ? null : hit.rule();
  }

  @Test
  void jsonIsCheckedValueByValueWithEscapesDecoded() {
    assertEquals("sqli", rule("application/json", "{\"name\":\"x' OR '1'='1\"}"));
    assertEquals("xss", rule("application/json", "{\"bio\":\"\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\"}"));
    assertEquals("sqli", rule("application/vnd.api+json", "[{\"q\":\"admin' --\"}]"), "$-anchored rules see one value");
    assertEquals("xss", rule("application/json", "{\"<script>\":1}"), "names are values too");
    // The raw text would match select..from..where across three fields; no single value does.
    assertNull(rule("application/json", "{\"a\":\"select a name\",\"b\":\"from the list\",\"c\":\"where you live\"}"));
    assertNull(rule("application/json", "{\"name\":\"O'Brien\",\"note\":\"it's 50% off\",\"n\":1}"));
  }

  @Test
  void malformedOrTruncatedJsonIsCheckedAsTextFromWhereParsingStopped() {
    assertEquals("sqli", rule("application/json", "x' OR '1'='1"));
    assertEquals("xss", rule("application/json", "{\"ok\":\"fine\"} <script>alert(1)</script>"));
    assertEquals("xss", rule("application/json", "{\"ok\":\"fine\",\"b\":\"<script>al"), "a cut-off last value");
  }

  @Test
  void formsByDecodedFields() {
    assertEquals("xss", rule("application/x-www-form-urlencoded", "a=1&comment=%3Cscript%3Ealert(1)%3C%2Fscript%3E"));
    assertEquals("sqli", rule("application/x-www-form-urlencoded", "q=1%27+OR+%271%27%3D%271&x="));
    assertEquals("sqli", rule("application/x-www-form-urlencoded", "q=1%2527%2520OR%2520%25271%2527%253D%25271"),
        "double encoding");
    assertNull(rule("application/x-www-form-urlencoded", "a=select+me&b=from+here&c=where+now&d=&=&&e"));
  }

  @Test
  void multipartFieldsButNotFileContents() {
    String ct = "multipart/form-data; boundary=\"XyZ\"";
    String body = "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n"
        + "--XyZ\r\nContent-Disposition: form-data; name=\"page\"; filename=\"p.html\"\r\nContent-Type: text/html\r\n\r\n"
        + "<script>alert(1)</script>\r\n--XyZ--\r\n";
    assertNull(rule("multipart/form-data", ct, body), "an uploaded file is data");
    assertEquals("xss", rule("multipart/form-data", ct, body.replace("hello", "<svg onload=alert(1)>")));
    assertEquals("xss", rule("multipart/form-data", ct, body.replace("p.html", "<script>.html")), "file names are checked");
    assertEquals("xss", rule("multipart/form-data", "multipart/form-data", "<script>x</script>"), "no boundary: text");
  }

  @Test
  void longTextIsCheckedInOverlappingWindows() {
    String pad = "a".repeat(8192 - 10);
    assertEquals("xss", rule("text/plain", pad + "<script>alert(1)</script>"), "across the first window's edge");
    assertEquals("xss", rule("text/plain", "b".repeat(60_000) + "<script>"), "far past 8 KiB");
    assertEquals("xss", rule("application/json", "{\"v\":\"" + "c".repeat(20_000) + " <script>\"}"), "a long JSON value");
    assertNull(rule("text/plain", "d".repeat(70_000)));
  }
}
