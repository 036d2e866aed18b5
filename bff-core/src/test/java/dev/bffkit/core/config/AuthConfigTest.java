package dev.bffkit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code auth:} section: defaults, every key, and errors with file and line. */
class AuthConfigTest {
  @TempDir Path tmp;

  private ClientBundle load(String yaml, Map<String, String> env) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("web"));
    Files.writeString(dir.resolve("bff.yaml"), yaml);
    Files.writeString(dir.resolve("schema.graphqls"), "type Query { hello: String }\n");
    Files.createDirectories(dir.resolve("screens"));
    Files.writeString(dir.resolve("screens/home.graphql"), "query Home { hello }\n");
    return BundleLoader.load(dir, env::get);
  }

  private ConfigException fails(String yaml) {
    return assertThrows(ConfigException.class, () -> load(yaml, Map.of()));
  }

  @Test
  void offByDefault() throws IOException {
    AuthConfig a = load("name: web\n", Map.of()).config().auth();
    assertFalse(a.enabled());
    assertEquals(AuthConfig.off(), a);
  }

  @Test
  void everyKey() throws IOException {
    AuthConfig a = load("""
        services: { posts: { endpoints: "http://127.0.0.1:1" } }
        routes:
          - { prefix: /api/posts, service: posts, scopes: [posts:read] }
        auth:
          required: false
          publicPaths: [/healthz]
          maxTokenLength: 4096
          issuers:
            - issuer: "${ISS:-http://127.0.0.1:9000}"
              audiences: ["${AUD:-bff-demo}"]
              algorithms: [rs256, ES256]
              clockSkew: 10s
              minRefetchInterval: 1m
            - { issuer: https://login.example.com, jwksUrl: https://login.example.com/keys }
          apiKeys:
            header: X-Partner-Key
            keys:
              - { name: partner, sha256: "AB5E8B11B0C3D1E0A1F8E6F0B0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B8C9", tier: gold, scopes: [read, "write admin"] }
          claimsToHeaders: { sub: X-User-Id }
          screens: { home: [feed:read] }
        """, Map.of("AUD", "mobile")).config().auth();
    assertTrue(a.enabled());
    assertFalse(a.required());
    assertEquals(4096, a.maxTokenLength());
    assertEquals(2, a.issuers().size());
    AuthConfig.Issuer i = a.issuers().get(0);
    assertEquals("http://127.0.0.1:9000", i.issuer());
    assertNull(i.jwksUrl());
    assertEquals(Set.of("mobile"), i.audiences());
    assertEquals(Set.of("RS256", "ES256"), i.algorithms());
    assertEquals(Duration.ofSeconds(10), i.clockSkew());
    assertEquals(Duration.ofMinutes(1), i.minRefetchInterval());
    assertEquals(URI.create("https://login.example.com/keys"), a.issuers().get(1).jwksUrl());
    assertEquals(Set.of("RS256", "ES256"), a.issuers().get(1).algorithms());
    assertEquals("x-partner-key", a.apiKeys().header());
    AuthConfig.ApiKey k = a.apiKeys().keys().get(0);
    assertEquals("ab5e8b11b0c3d1e0a1f8e6f0b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9", k.sha256());
    assertEquals(Set.of("read", "write", "admin"), k.scopes());
    assertEquals(Map.of("sub", "x-user-id"), a.claimsToHeaders());
    assertEquals(Map.of("home", Set.of("feed:read")), a.screens());
  }

  @Test
  void eddsaInAnyCaseIsStoredAsNimbusSpellsIt() throws IOException {
    AuthConfig a = load("auth:\n  issuers:\n    - { issuer: https://x, algorithms: [eddsa, ED25519, rs256] }\n", Map.of())
        .config().auth();
    assertEquals(Set.of("EdDSA", "Ed25519", "RS256"), a.issuers().get(0).algorithms());
    ConfigException e = fails("auth:\n  issuers:\n    - issuer: https://x\n      algorithms: [Ed448]\n");
    assertTrue(e.getMessage().startsWith("web/bff.yaml:4: auth.issuers[0].algorithms[0]: 'Ed448' is not an accepted algorithm"),
        e.getMessage());
  }

  @Test
  void routeScopes() throws IOException {
    var c = load("""
        services: { posts: { endpoints: "http://127.0.0.1:1" } }
        routes:
          - { prefix: /api/posts, service: posts, scopes: "posts:read posts:write" }
        """, Map.of()).config();
    assertEquals(Set.of("posts:read", "posts:write"), c.routes().get(0).scopes());
  }

  @Test
  void errorsNameFileLineAndFix() {
    ConfigException e = fails("auth:\n  issuers:\n    - issuer: https://x\n      algorithms: [HS256]\n");
    assertTrue(e.getMessage().startsWith("web/bff.yaml:4: auth.issuers[0].algorithms[0]: 'HS256' is not an accepted algorithm"), e.getMessage());
    e = fails("auth:\n  issuers:\n    - issuer: https://x\n      algorithms: [none]\n");
    assertTrue(e.getMessage().contains("never none or HS*"), e.getMessage());
    e = fails("auth:\n  apiKeys:\n    keys:\n      - { name: a, sha256: secret }\n");
    assertTrue(e.getMessage().startsWith("web/bff.yaml:4: "), e.getMessage());
    assertTrue(e.getMessage().contains("is not a SHA-256 in hex"), e.getMessage());
    e = fails("auth:\n  issuers:\n    - { audiences: [x] }\n");
    assertTrue(e.getMessage().contains("missing 'issuer'"), e.getMessage());
    e = fails("auth:\n  issuers:\n    - { issuer: not-a-url }\n");
    assertTrue(e.getMessage().contains("OIDC discovery needs an http(s) issuer"), e.getMessage());
    e = fails("auth:\n  claimsToHeaders: { sub: \"bad header\" }\n");
    assertTrue(e.getMessage().startsWith("web/bff.yaml:2: "), e.getMessage());
    e = fails("auth:\n  screens: { hoem: [x] }\n");
    assertTrue(e.getMessage().contains("auth.screens.hoem: no such screen; screens: home"), e.getMessage());
    e = fails("auth:\n  unknown: 1\n");
    assertTrue(e.getMessage().contains("unknown"), e.getMessage());
  }

  @Test
  void introspectionLoads() throws IOException {
    AuthConfig a = load("""
        auth:
          issuers:
            - issuer: https://idp.example
              jwt: false
              audiences: [bff]
              introspection: { url: "https://idp.example/introspect", clientId: bff, clientSecret: "${SECRET}",
                               cacheTtl: 1m, negativeTtl: 5s, timeout: 800ms, maxEntries: 500 }
        """, Map.of("SECRET", "s3cret")).config().auth();
    AuthConfig.Issuer i = a.issuers().get(0);
    assertFalse(i.jwt());
    assertEquals(new AuthConfig.Introspection(URI.create("https://idp.example/introspect"), "bff", "s3cret", null,
        AuthConfig.Introspection.ClientAuth.CLIENT_SECRET_BASIC, Duration.ofMinutes(1), Duration.ofSeconds(5),
        Duration.ofMillis(800), 500, false), i.introspection());
    assertTrue(load("auth:\n  issuers:\n    - { issuer: \"https://x\" }\n", Map.of()).config().auth().issuers().get(0).jwt());
    AuthConfig.Introspection none = load("""
        auth:
          issuers:
            - issuer: https://idp.example
              introspection: { clientId: bff, clientSecret: s, cacheTtl: 0s, negativeTtl: 0 }
        """, Map.of()).config().auth().issuers().get(0).introspection();
    assertEquals(Duration.ZERO, none.cacheTtl(), "0: nothing remembered");
    assertEquals(Duration.ZERO, none.negativeTtl());
  }

  @Test
  void introspectionErrorsNameTheFix() {
    String issuer = "auth:\n  issuers:\n    - issuer: https://idp.example\n";
    ConfigException e = fails(issuer + "      introspection: { clientId: bff }\n");
    assertTrue(e.getMessage().startsWith("web/bff.yaml:4: ") && e.getMessage().contains("needs clientSecret"), e.getMessage());
    e = fails(issuer + "      introspection: { clientId: bff, clientAuth: private_key_jwt }\n");
    assertTrue(e.getMessage().contains("private_key_jwt needs privateKey"), e.getMessage());
    e = fails(issuer + "      introspection: { clientId: bff, clientSecret: s, clientAuth: mtls }\n");
    assertTrue(e.getMessage().contains("client_secret_basic or private_key_jwt"), e.getMessage());
    e = fails(issuer + "      introspection: { clientId: bff, clientSecret: s, shared: true }\n");
    assertTrue(e.getMessage().contains("needs the fleet's Redis: set redis.url"), e.getMessage());
    e = fails(issuer + "      jwt: false\n");
    assertTrue(e.getMessage().startsWith("web/bff.yaml:4: ") && e.getMessage().contains("leaves the issuer nothing to check"),
        e.getMessage());
    e = fails(issuer + "      introspection: { clientId: a, clientSecret: s }\n"
        + "    - issuer: https://other.example\n      introspection: { clientId: b, clientSecret: s }\n");
    assertTrue(e.getMessage().startsWith("web/bff.yaml:5: ") && e.getMessage().contains("only one may introspect"),
        e.getMessage());
  }
}
