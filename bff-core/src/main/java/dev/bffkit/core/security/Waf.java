package dev.bffkit.core.security;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
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

  private Waf() {}

  /** The first rule a value breaks, or null. {@code where} names the part (e.g. "query", "header user-agent"). */
  public static Hit check(String value, String where) {
    if (value == null || value.isEmpty()) return null;
    String v = normalise(value);
    if (SQLI.matcher(v).find()) return new Hit("sqli", where);
    if (XSS.matcher(v).find()) return new Hit("xss", where);
    return null;
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
