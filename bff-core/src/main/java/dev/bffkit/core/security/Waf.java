package dev.bffkit.core.security;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Signature rules for the most common injection attempts, as a first, cheap line of defence (the
 * services must still validate their input). Values are checked after percent-decoding (twice:
 * double encoding is a classic evasion) and with whitespace runs and SQL comments collapsed.
 */
public final class Waf {
  /** What matched: the rule and where. */
  public record Hit(String rule, String where) {}

  private static final Pattern SQLI = Pattern.compile(
      "(?i)(\\bunion\\b\\s+(all\\s+)?\\bselect\\b"
          + "|\\bselect\\b.{1,100}?\\bfrom\\b.{1,100}?\\b(where|information_schema|pg_catalog|sysobjects)\\b"
          + "|'\\s*(or|and)\\s*'?[\\w]+'?\\s*(=|like|<|>)\\s*'?[\\w]+"
          + "|'\\s*;\\s*(drop|delete|insert|update|alter|truncate|exec)\\b"
          + "|\\b(sleep|pg_sleep|benchmark)\\s*\\(\\s*\\d"
          + "|\\bwaitfor\\s+delay\\b|\\bxp_cmdshell\\b|'\\s*--\\s*$|'\\s*#\\s*$)");
  private static final Pattern XSS = Pattern.compile(
      "(?i)(<\\s*script\\b|<\\s*/\\s*script\\s*>|javascript\\s*:|vbscript\\s*:"
          + "|<[^>]*\\bon[a-z]{3,20}\\s*=|<\\s*(iframe|object|embed|svg|img|body|meta|link)\\b[^>]*>"
          + "|document\\s*\\.\\s*(cookie|domain|write)|\\beval\\s*\\(|\\balert\\s*\\()");

  /**
   * Every alternative of SQLI (XSS) contains one of these (ASCII, lower case): a value with none
   * cannot match, and a few {@code indexOf} scans cost far less than trying each alternative at
   * each position (measured: WafBodyBench). Keep them in step with the patterns.
   */
  private static final String[] SQLI_NEEDS = {"'", "select", "sleep", "benchmark", "waitfor", "xp_cmdshell"};
  private static final String[] XSS_NEEDS = {"<", "javascript", "vbscript", "document", "eval", "alert"};
  /** Values are checked in windows of this many chars (the patterns' cost grows with the input). */
  private static final int WINDOW = 8192;
  /** Consecutive windows overlap so that a signature across a window edge is still seen. */
  private static final int OVERLAP = 512;
  private static final JsonFactory JSON = new JsonFactory();

  private Waf() {}

  /** The first rule a value breaks, or null. {@code where} names the part (e.g. "query", "header user-agent"). */
  public static Hit check(String value, String where) {
    if (value == null || value.isEmpty()) return null;
    String v = normalise(value);
    String lower = v.toLowerCase(Locale.ROOT);
    if (anyOf(lower, SQLI_NEEDS) && SQLI.matcher(v).find()) return new Hit("sqli", where);
    if (anyOf(lower, XSS_NEEDS) && XSS.matcher(v).find()) return new Hit("xss", where);
    return null;
  }

  /** Like {@link #check} for text of any length: windows of 8 KiB that overlap by 512 chars. */
  public static Hit checkText(String text, String where) {
    int n = text.length();
    if (n <= WINDOW) return check(text, where);
    for (int from = 0; ; from += WINDOW - OVERLAP) {
      int to = Math.min(n, from + WINDOW);
      Hit hit = check(text.substring(from, to), where);
      if (hit != null || to == n) return hit;
    }
  }

  /**
   * The first rule a request body breaks, or null, read the way its media type says so that a
   * rule sees one value at a time (fewer false positives, and {@code $}-anchored rules work):
   * JSON by its string values and names (escapes such as {@code \u003c} decoded; what does not
   * parse is checked as text from where parsing stopped, so a truncated prefix or a malformed body
   * is still seen), forms by their decoded names and values, multipart forms by their fields
   * (uploaded files are checked by their part headers only: a file's content is data, not input
   * to a query), anything else as text.
   *
   * @param mediaType lower case, without parameters; {@code contentType} is the whole header
   */
  public static Hit checkBody(String mediaType, String contentType, String text) {
    if (text.isEmpty()) return null;
    if (mediaType.equals("application/json") || mediaType.endsWith("+json")) return json(text);
    if (mediaType.equals("application/x-www-form-urlencoded")) return form(text);
    if (mediaType.equals("multipart/form-data")) {
      String boundary = boundary(contentType);
      if (boundary != null) return multipart(text, "--" + boundary);
    }
    return checkText(text, "body");
  }

  private static Hit json(String text) {
    try (JsonParser p = JSON.createParser(text)) {
      try {
        for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
          if (t == JsonToken.VALUE_STRING || t == JsonToken.FIELD_NAME) {
            Hit hit = checkText(p.getText(), "body");
            if (hit != null) return hit;
          }
        }
        return null;
      } catch (IOException e) {
        long at = p.currentTokenLocation().getCharOffset();
        int from = at < 0 || at >= text.length() ? 0 : (int) at;
        return checkText(text.substring(from), "body");
      }
    } catch (IOException e) {
      return checkText(text, "body"); // not reached: a String source does no I/O
    }
  }

  private static Hit form(String text) {
    int start = 0;
    while (start <= text.length()) {
      int amp = text.indexOf('&', start);
      int end = amp < 0 ? text.length() : amp;
      int eq = text.indexOf('=', start);
      if (eq < 0 || eq > end) eq = end;
      // check() percent-decodes (twice) and turns '+' into a space, as a form decoder does.
      Hit hit = check(text.substring(start, eq), "body");
      if (hit == null && eq < end) hit = checkText(text.substring(eq + 1, end), "body");
      if (hit != null) return hit;
      if (amp < 0) return null;
      start = amp + 1;
    }
    return null;
  }

  private static Hit multipart(String text, String delimiter) {
    int at = text.indexOf(delimiter);
    if (at < 0) return checkText(text, "body");
    while (at >= 0) {
      int head = at + delimiter.length();
      if (text.startsWith("--", head)) return null; // the closing delimiter
      int headEnd = text.indexOf("\r\n\r\n", head);
      if (headEnd < 0) return checkText(text.substring(head), "body"); // cut off in the headers
      String headers = text.substring(head, headEnd);
      int next = text.indexOf("\r\n" + delimiter, headEnd + 4);
      int end = next < 0 ? text.length() : next;
      Hit hit = checkText(headers, "body");
      if (hit == null && !headers.toLowerCase(Locale.ROOT).contains("filename")) {
        hit = checkText(text.substring(headEnd + 4, end), "body");
      }
      if (hit != null) return hit;
      at = next < 0 ? -1 : next + 2;
    }
    return null;
  }

  /** The {@code boundary} parameter of a multipart content type, or null. */
  static String boundary(String contentType) {
    if (contentType == null) return null;
    int i = contentType.toLowerCase(Locale.ROOT).indexOf("boundary=");
    if (i < 0) return null;
    String b = contentType.substring(i + 9);
    int semi = b.indexOf(';');
    if (semi >= 0) b = b.substring(0, semi);
    b = b.trim();
    if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) b = b.substring(1, b.length() - 1);
    return b.isEmpty() || b.length() > 70 ? null : b;
  }

  private static boolean anyOf(String lower, String[] words) {
    for (String w : words) if (lower.indexOf(w) >= 0) return true;
    return false;
  }

  static String normalise(String value) {
    String v = value.length() > 8192 ? value.substring(0, 8192) : value;
    for (int i = 0; i < 2 && v.indexOf('%') >= 0; i++) {
      try {
        v = URLDecoder.decode(v.replace("+", "%2B"), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        break; // not valid percent-encoding: check as it is
      }
    }
    return v.replace("/**/", " ").replace('+', ' ');
  }
}
