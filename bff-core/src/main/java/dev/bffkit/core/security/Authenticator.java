package dev.bffkit.core.security;

import dev.bffkit.core.config.AuthConfig;
import dev.bffkit.core.route.RoutePolicy;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * What {@link AuthStage} decides, without the HTTP exchange: from a request's headers and its
 * route's policy (whether auth is required there, which scopes),
 * who the caller is, whether they may go on, and what identity goes to upstreams. Pure and
 * thread-safe, so the stage's whole decision can be measured on its own (JMH
 * {@code AuthStageBench}); the stage only applies it to the exchange and does the waiting.
 *
 * (Client copies of the identity headers, every spelling, were dropped at the edge:
 * {@code server.HeaderTrust}.)
 * <ol>
 *   <li>{@link #authenticate}: a bearer token ({@code Authorization: Bearer}, scheme
 *       case-insensitive) is verified, or an API key from its header is looked up; a bad
 *       credential is refused even on public routes; no credential is refused when the route's
 *       policy requires auth ({@code required}, except {@code publicPaths} and health);
 *   <li>a route that requires scopes: refused (401) for an anonymous caller, 403
 *       ({@code insufficient_scope}) for one without them.
 * </ol>
 */
public final class Authenticator {
  /** An admitted request: its principal (null = anonymous) and the headers naming it to upstreams (null = none). */
  public record Admitted(Principal principal, MultiMap identity) {
    static final Admitted ANONYMOUS = new Admitted(null, null);

    /** The principal's entries for the exchange's {@code ctx} ({@code sub}, {@code scope}, {@code tier}, {@code iss}, {@code claims}). */
    public void into(Map<String, Object> ctx) {
      Principal p = principal;
      if (p == null) return;
      ctx.put("sub", p.subject());
      ctx.put("scope", String.join(" ", p.scopes()));
      if (p.tier() != null) ctx.put("tier", p.tier());
      if (p.issuer() != null) ctx.put("iss", p.issuer());
      ctx.put("claims", p.claims());
    }
  }

  private final Security security;
  private final AuthConfig config;
  private final String realm;
  private final String[][] claimHeaders;

  public Authenticator(Security security, String realm) {
    this.security = security;
    this.config = security.config();
    this.realm = realm.replace("\"", "");
    this.claimHeaders = config.claimsToHeaders().entrySet().stream()
        .map(e -> new String[] {e.getKey(), e.getValue()}).toArray(String[][]::new);
  }

  /**
   * The decision for a request (its client-sent identity headers already dropped). Throws
   * {@link AuthException} when refused; from the JWT verifier, {@link KeysPending} (wait for the
   * fetch, then call again with {@code mayFetch} false) or {@link JwtVerifier#SLOW} when
   * {@code onLoop} (call {@link #admitBearer} on a worker with the {@link #bearerToken}).
   */
  public Admitted authenticate(MultiMap headers, RoutePolicy route, boolean mayFetch, boolean onLoop) {
    String authorization = headers.get(HttpHeaders.AUTHORIZATION);
    String token = authorization == null ? null : bearer(authorization);
    if (token != null && (security.jwt() != null || security.introspector() != null)) {
      return admitBearer(token, route, mayFetch, onLoop);
    }
    String key = security.apiKeys().isEmpty() ? null : headers.get(config.apiKeys().header());
    if (key != null) {
      Principal p = security.apiKeys().lookup(key);
      if (p == null) throw AuthException.invalid("unknown API key");
      return admit(p, route);
    }
    if (token != null) throw AuthException.invalid("bearer tokens are not accepted here");
    if (authorization != null && route.authRequired()) {
      throw AuthException.badRequest("unsupported authorization scheme; use Bearer");
    }
    return admit(null, route);
  }

  /** The bearer token of these headers, or null. */
  public static String bearerToken(MultiMap headers) {
    String authorization = headers.get(HttpHeaders.AUTHORIZATION);
    return authorization == null ? null : bearer(authorization);
  }

  /**
   * As {@link #authenticate} for a bearer token already read from the headers: a JWT is verified locally, any other
   * token introspected when an issuer does that (else refused as a malformed JWT).
   */
  public Admitted admitBearer(String token, RoutePolicy route, boolean mayFetch, boolean onLoop) {
    Introspector introspector = security.introspector();
    if (introspector != null && (security.jwt() == null || !looksLikeJwt(token))) {
      if (token.length() > config.maxTokenLength()) {
        throw AuthException.invalid("token longer than " + config.maxTokenLength() + " characters");
      }
      return admit(introspector.check(token, mayFetch), route);
    }
    return admit(security.jwt().verifyNow(token, mayFetch, onLoop), route);
  }

  /**
   * A compact JWS: three base64url parts whose header is a JSON object, so it begins {@code eyJ} ({@code {"} encoded).
   * Anything else is an opaque token. (An opaque token shaped like that is read as a JWT and refused as one.)
   */
  static boolean looksLikeJwt(String token) {
    if (!token.startsWith("eyJ")) return false;
    int dots = 0;
    for (int i = 0; i < token.length(); i++) if (token.charAt(i) == '.') dots++;
    return dots == 2;
  }

  private Admitted admit(Principal p, RoutePolicy route) {
    Set<String> required = route.scopes();
    if (p == null) {
      if (route.authRequired() || !required.isEmpty()) {
        throw AuthException.missing("authentication required: send Authorization: Bearer <token>"
            + (security.apiKeys().isEmpty() ? "" : " or " + config.apiKeys().header()));
      }
      return Admitted.ANONYMOUS;
    }
    if (!p.hasAll(required)) throw AuthException.insufficientScope(String.join(" ", required));
    MultiMap identity = null;
    for (String[] ch : claimHeaders) {
      String v = claimText(p.claims().get(ch[0]));
      if (v != null) {
        if (identity == null) identity = MultiMap.caseInsensitiveMultiMap();
        identity.set(ch[1], v);
      }
    }
    return new Admitted(p, identity);
  }

  /** The RFC 6750 {@code WWW-Authenticate} challenge for a refusal (§3: no error attribute without a credential). */
  public String challenge(AuthException e) {
    StringBuilder challenge = new StringBuilder("Bearer realm=\"").append(realm).append('"');
    if (e.error != null) {
      challenge.append(", error=\"").append(e.error).append('"');
      if (e.scope != null) challenge.append(", scope=\"").append(e.scope).append('"');
      else challenge.append(", error_description=\"").append(e.getMessage().replace("\"", "'")).append('"');
    }
    return challenge.toString();
  }

  /** Header-safe text of a claim: strings and numbers as they are, lists space-joined; CR/LF refused. */
  private static String claimText(Object v) {
    String s;
    if (v == null) return null;
    if (v instanceof Collection<?> c) {
      StringBuilder b = new StringBuilder();
      for (Object o : c) {
        if (b.length() > 0) b.append(' ');
        b.append(o);
      }
      s = b.toString();
    } else if (v instanceof String || v instanceof Number || v instanceof Boolean) {
      s = v.toString();
    } else {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch < 0x20 || ch == 0x7f) return null;
    }
    return s.length() > 1024 ? null : s;
  }

  /** The token of {@code Bearer <token>} (scheme case-insensitive), or null for another scheme. */
  static String bearer(String authorization) {
    if (authorization.length() < 7 || !authorization.regionMatches(true, 0, "bearer ", 0, 7)) return null;
    String t = authorization.substring(7).trim();
    return t.isEmpty() ? null : t;
  }
}
