package dev.bffkit.core.server;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpVersion;
import java.util.Map;

/**
 * The request-head checks Netty 4.2.9 and Vert.x 5.0.7 leave to us (measured with a raw socket,
 * {@code FramingTest}). Netty already refuses, with 400 and a close: several or invalid
 * Content-Length values on HTTP/1.1, whitespace before a colon, NUL or a bare CR in a value, a
 * bad chunk size. It lets through, and these checks refuse: a Transfer-Encoding other than
 * exactly {@code chunked} (Netty decodes {@code gzip} alone as "no body", so the body is read as
 * a second request, and {@code chunked, gzip} as chunked), Transfer-Encoding on HTTP/1.0, a
 * missing or repeated Host on HTTP/1.1, and on HTTP/2 connection-specific headers and control
 * characters in values (Netty's HPACK decoder checks names, not values). Pure functions of the
 * head, allocation-free on the healthy path; each returns null when the head is fine, else why not.
 */
public final class RequestFraming {
  private RequestFraming() {}

  /**
   * HTTP/1.x message framing (RFC 9112 §6). A refusal means the body's end is uncertain: answer
   * 400 and close the connection (§6.3 item 4), never read on as if a next request followed.
   */
  public static String http1(HttpVersion version, MultiMap headers) {
    int te = 0;
    int cl = 0;
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey();
      if (name.length() == 17 && name.equalsIgnoreCase("transfer-encoding")) {
        te++;
        // §6.1: a server MUST treat an HTTP/1.0 message with Transfer-Encoding as faulty framing.
        if (version == HttpVersion.HTTP_1_0) return "Transfer-Encoding is not allowed on HTTP/1.0";
        // §6.1/§6.3: the final coding must be chunked, chunked at most once, and a coding we do not
        // know (gzip, deflate, compress, identity, ...) is not decoded here: only "chunked" is accepted.
        if (te > 1 || !onlyChunked(h.getValue())) return "Transfer-Encoding must be exactly 'chunked'";
      } else if (name.length() == 14 && name.equalsIgnoreCase("content-length")) {
        cl++;
        // §6.3 item 5: several differing values or an invalid one make the framing invalid (Netty
        // already merges equal duplicates and refuses the rest; this covers what it lets by).
        if (cl > 1 || !digits(h.getValue())) return "Content-Length must be one decimal number";
      }
    }
    // §6.1/§6.3 item 3: both present is a smuggling attempt (Netty drops the length; if it survived, refuse).
    if (te > 0 && cl > 0) return "Content-Length and Transfer-Encoding together";
    return null;
  }

  /** RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host (answer 400, the framing is intact). */
  public static String host(HttpVersion version, MultiMap headers) {
    int hosts = 0;
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey();
      if (name.length() == 4 && name.equalsIgnoreCase("host")) hosts++;
    }
    if (hosts > 1) return "more than one Host header";
    if (hosts == 0 && version == HttpVersion.HTTP_1_1) return "HTTP/1.1 requires a Host header";
    return null;
  }

  /**
   * HTTP/2 fields (RFC 9113 §8.2.1, §8.2.2): no connection-specific header ({@code te} only as
   * {@code trailers}) and no control character in a value. Values are checked for every CTL but
   * HTAB (RFC 9110 §5.5 field-vchar), not only NUL/CR/LF: a gateway must never pass on what an
   * HTTP/1.1 upstream would read as a second header or request.
   */
  public static String http2(MultiMap headers) {
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey();
      if (connectionSpecific(name) || (name.length() == 2 && name.equalsIgnoreCase("te") && !h.getValue().equals("trailers"))) {
        return "connection-specific header '" + name + "' is not allowed in HTTP/2";
      }
      if (!fieldValue(h.getValue())) return "control character in the value of '" + name + "'";
    }
    return null;
  }

  /** True when every character is a field-vchar, SP or HTAB (RFC 9110 §5.5); obs-text allowed. */
  public static boolean fieldValue(String v) {
    for (int i = 0, n = v.length(); i < n; i++) {
      char c = v.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
    }
    return true;
  }

  private static boolean connectionSpecific(String name) {
    return switch (name.length()) {
      case 7 -> name.equalsIgnoreCase("upgrade");
      case 10 -> name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive");
      case 16 -> name.equalsIgnoreCase("proxy-connection");
      case 17 -> name.equalsIgnoreCase("transfer-encoding");
      default -> false;
    };
  }

  /** "chunked" with optional surrounding OWS, case-insensitive (§7: coding names are case-insensitive). */
  static boolean onlyChunked(String v) {
    int s = 0;
    int e = v.length();
    while (s < e && (v.charAt(s) == ' ' || v.charAt(s) == '\t')) s++;
    while (e > s && (v.charAt(e - 1) == ' ' || v.charAt(e - 1) == '\t')) e--;
    return e - s == 7 && v.regionMatches(true, s, "chunked", 0, 7);
  }

  private static boolean digits(String v) {
    String t = v.trim();
    if (t.isEmpty() || t.length() > 18) return false;
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c < '0' || c > '9') return false;
    }
    return true;
  }
}
