package dev.bffkit.core.security;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.bffkit.core.config.AuthConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Fuzzes what a client controls in auth: the bearer token and the Authorization header. A token
 * is refused with {@link AuthException} (never another exception, never accepted: this verifier
 * has no keys), and the WAF never throws.
 */
class TokenFuzzTest {
  private static final JwtVerifier VERIFIER = new JwtVerifier(List.of(new AuthConfig.Issuer("https://idp.example",
      URI.create("https://idp.example/jwks"), Set.of("bff"), Set.of("RS256", "ES256"), Duration.ofSeconds(30),
      Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(2))), 8192, null, null);

  @FuzzTest(maxDuration = "10s")
  void tokens(FuzzedDataProvider data) {
    String header = data.consumeString(64);
    String token = data.consumeRemainingAsString();
    Authenticator.bearer(header + token);
    try {
      VERIFIER.verifyNow(token, false);
      throw new AssertionError("accepted without keys: " + token);
    } catch (AuthException expected) {
      // refused
    }
    Waf.check(token, "fuzz");
  }
}
