package dev.bffkit.loadtests.jmh;

import dev.bffkit.core.config.AuthConfig;
import dev.bffkit.loadtests.demo.DevIdp;
import java.net.URI;
import java.time.Duration;
import java.util.Set;

/** Bench set-up for auth: the dev IdP as a trusted issuer, and a bounded wait for its keys. */
final class BenchIdp {
  private BenchIdp() {}

  /** The IdP as an issuer of RS256, ES256 and EdDSA tokens for the demo audience. */
  static AuthConfig.Issuer issuer(DevIdp idp) {
    return new AuthConfig.Issuer(idp.issuer(), URI.create(idp.issuer() + "/.well-known/jwks.json"),
        Set.of(DevIdp.AUDIENCE), Set.of("RS256", "ES256", "EdDSA"), Duration.ofSeconds(30), Duration.ofHours(1),
        Duration.ofSeconds(30), Duration.ofSeconds(2));
  }

  /** Waits (bounded) until a probe that needs the IdP's keys passes. */
  static void awaitKeys(Runnable probe) throws InterruptedException {
    for (int i = 0; i < 400; i++) {
      try {
        probe.run();
        return;
      } catch (RuntimeException notYet) {
        Thread.sleep(25);
      }
    }
    throw new IllegalStateException("keys never loaded");
  }
}
