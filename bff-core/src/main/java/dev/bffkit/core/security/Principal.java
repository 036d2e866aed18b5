package dev.bffkit.core.security;

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

  /** True when every required scope is held. */
  public boolean hasAll(Set<String> required) {
    return scopes.containsAll(required);
  }
}
