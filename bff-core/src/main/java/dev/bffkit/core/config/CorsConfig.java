package dev.bffkit.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code cors:} in bff.yaml, for browser clients (the web BFF). Off when {@code allowOrigins} is
 * empty. Origins are exact ({@code https://app.example.com}) or {@code *} (never with
 * credentials). Preflights are answered before auth.
 */
public record CorsConfig(
    List<String> allowOrigins,
    Set<String> allowMethods,
    Set<String> allowHeaders,
    Set<String> exposeHeaders,
    boolean allowCredentials,
    Duration maxAge) {

  public CorsConfig {
    allowOrigins = List.copyOf(allowOrigins);
    allowMethods = Set.copyOf(allowMethods);
    allowHeaders = Set.copyOf(allowHeaders);
    exposeHeaders = Set.copyOf(exposeHeaders);
  }

  public static CorsConfig off() {
    return new CorsConfig(List.of(), Set.of("GET", "POST"), Set.of("authorization", "content-type"),
        Set.of("x-request-id", "x-bff-partial", "etag"), false, Duration.ofMinutes(10));
  }

  public boolean enabled() {
    return !allowOrigins.isEmpty();
  }
}
