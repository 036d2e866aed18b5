package dev.bffkit.core.compose;

/**
 * Picks the media type of a GraphQL answer from the request's {@code Accept} header (RFC 9110
 * §12.5.1), between the two the GraphQL-over-HTTP spec defines. The spec's Body section: "If an
 * Accept header is provided, the server MUST respect the given Accept header and attempt to encode
 * the response in the highest priority media type listed that is supported by the server".
 *
 * <ul>
 *   <li>No {@code Accept} (or a blank one) and wildcards only ({@code *}{@code /*},
 *       {@code application/*}) answer {@code application/json}: the audit suite of the spec's
 *       reference implementation (graphql/graphql-http, {@code audits/server}) lists "SHOULD accept
 *       *&#47;* and use application/json for the content-type" and "SHOULD assume application/json
 *       content-type when accept is missing". A client that never named
 *       {@code application/graphql-response+json} never opted into its 4xx statuses. (The spec's
 *       "Legacy watershed" moves the default for a missing Accept to graphql-response+json from
 *       2025; the audit, the reference servers and this gateway keep application/json.)
 *   <li>{@code application/graphql-response+json} is answered when the client names it with a
 *       non-zero q at least as high as any q it gives {@code application/json} (a tie goes to the
 *       spec's preferred type), or when a wildcard lets it in and {@code application/json} is
 *       refused ({@code q=0}).
 *   <li>Nothing acceptable: {@code application/json} (the spec allows disregarding Accept).
 * </ul>
 *
 * A q that does not follow RFC 9110's qvalue grammar makes its range not acceptable, like
 * {@code q=0}. No regex and no allocation beyond the header's own substrings.
 */
final class AcceptedMedia {
  static final String GRAPHQL_RESPONSE = "application/graphql-response+json";
  private static final String JSON = "application/json";

  private AcceptedMedia() {}

  /** Whether to answer {@code application/graphql-response+json} (else {@code application/json}). */
  static boolean graphqlResponse(String accept) {
    if (accept == null) return false;
    int graphqlQ = -1; // thousandths; -1 = not named
    int jsonQ = -1;
    int wildcardQ = -1;
    int n = accept.length();
    int start = 0;
    while (start <= n) {
      int end = accept.indexOf(',', start);
      if (end < 0) end = n;
      int semi = indexOf(accept, ';', start, end);
      String type = accept.substring(start, semi).trim();
      int q = semi < end ? qOf(accept, semi, end) : 1000;
      if (type.equalsIgnoreCase(GRAPHQL_RESPONSE)) graphqlQ = Math.max(graphqlQ, q);
      else if (type.equalsIgnoreCase(JSON)) jsonQ = Math.max(jsonQ, q);
      else if (type.equals("*/*") || type.equalsIgnoreCase("application/*")) wildcardQ = Math.max(wildcardQ, q);
      start = end + 1;
    }
    if (graphqlQ > 0) return graphqlQ >= jsonQ;
    // Not named (or refused): only a wildcard can let it in, and only when JSON itself is refused.
    return graphqlQ < 0 && jsonQ == 0 && wildcardQ > 0;
  }

  private static int indexOf(String s, char c, int from, int to) {
    int i = s.indexOf(c, from);
    return i < 0 || i > to ? to : i;
  }

  /** The q of the parameters in {@code s[semi, end)} in thousandths; 0 when malformed. */
  private static int qOf(String s, int semi, int end) {
    int p = semi;
    while (p < end) {
      int next = indexOf(s, ';', p + 1, end);
      String param = s.substring(p + 1, next).trim();
      int eq = param.indexOf('=');
      if (eq > 0 && param.substring(0, eq).trim().equalsIgnoreCase("q")) return qvalue(param.substring(eq + 1).trim());
      p = next;
    }
    return 1000;
  }

  /** RFC 9110 §12.4.2: {@code qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )}; 0 when malformed. */
  static int qvalue(String v) {
    int len = v.length();
    if (len == 0 || len > 5 || (v.charAt(0) != '0' && v.charAt(0) != '1')) return 0;
    if (len > 1 && v.charAt(1) != '.') return 0;
    int thousandths = 0;
    for (int i = 2; i < 5; i++) {
      int d = i < len ? v.charAt(i) - '0' : 0;
      if (d < 0 || d > 9) return 0;
      thousandths = thousandths * 10 + d;
    }
    if (v.charAt(0) == '1') return thousandths == 0 ? 1000 : 0;
    return thousandths;
  }
}
