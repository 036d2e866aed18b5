package dev.bffkit.core.security;

import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * Who is calling, once authenticated: from a verified JWT ({@code kind = "jwt"}) or an API key
 * ({@code kind = "apikey"}, subject = the key's name). Immutable.
 */
public record Principal(String kind, String subject, String issuer, Set<String> scopes, String tier,
    Map<String, Object> claims) {
  public Principal {
    scopes = Set.copyOf(scopes);
    claims = Map.copyOf(claims);
  }

  /**
   * True when every requirement is met: a scope is held, or for {@code claim:NAME=VALUE} the claim
   * equals VALUE (a list claim: contains it).
   */
  public boolean hasAll(Set<String> required) {
    for (String r : required) {
      if (r.startsWith("claim:")) {
        int eq = r.indexOf('=');
        if (eq < 0) return false;
        Object v = claims.get(r.substring(6, eq));
        String want = r.substring(eq + 1);
        boolean ok = v instanceof Collection<?> c ? c.stream().anyMatch(x -> want.equals(String.valueOf(x)))
            : v != null && want.equals(String.valueOf(v));
        if (!ok) return false;
      } else if (!scopes.contains(r)) {
        return false;
      }
    }
    return true;
  }
}
