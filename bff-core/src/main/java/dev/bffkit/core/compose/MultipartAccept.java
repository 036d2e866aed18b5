package dev.bffkit.core.compose;

/**
 * Whether a request's {@code Accept} takes incremental answers: it names {@code multipart/mixed}
 * with a q above 0, with no {@code deferSpec} or {@code deferSpec=20220824} (the one we speak).
 * Wildcards do not count: as Apollo Router, only a client that asks for multipart gets it. No
 * regex; only headers that mention "multipart" are parsed.
 */
final class MultipartAccept {
  private static final String MULTIPART = "multipart/mixed";
  static final String DEFER_SPEC = "20220824";

  private MultipartAccept() {}

  static boolean accepts(String accept) {
    if (accept == null || indexOfIgnoreCase(accept, "multipart") < 0) {
      return false;
    }
    int n = accept.length();
    int start = 0;
    while (start < n) {
      int end = accept.indexOf(',', start);
      if (end < 0) end = n;
      if (range(accept.substring(start, end))) return true;
      start = end + 1;
    }
    return false;
  }

  /** One media range with its parameters. */
  private static boolean range(String range) {
    String[] parts = range.split(";", -1); // a one-char split takes String's fast path (no regex)
    if (!parts[0].trim().equalsIgnoreCase(MULTIPART)) return false;
    int q = 1000;
    String spec = null;
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      int eq = p.indexOf('=');
      if (eq <= 0) continue;
      String name = p.substring(0, eq).trim();
      String value = unquote(p.substring(eq + 1).trim());
      if (name.equalsIgnoreCase("q")) q = AcceptedMedia.qvalue(value);
      else if (name.equalsIgnoreCase("deferSpec")) spec = value;
    }
    return q > 0 && (spec == null || spec.equals(DEFER_SPEC));
  }

  private static String unquote(String v) {
    return v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"' ? v.substring(1, v.length() - 1) : v;
  }

  private static int indexOfIgnoreCase(String s, String word) {
    for (int i = 0; i + word.length() <= s.length(); i++) {
      if (s.regionMatches(true, i, word, 0, word.length())) return i;
    }
    return -1;
  }
}
