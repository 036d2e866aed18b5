package dev.bffkit.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.bffkit.core.config.AuthConfig;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * RFC 7662 §2.2 answers, read strictly: what admits, what refuses (401) and what is the identity provider's fault
 * (malformed: 503); how long a verdict is remembered. Plus a Jazzer target: any bytes give a verdict or
 * {@link IntrospectionAnswer.Malformed}, never another exception.
 */
class IntrospectionAnswerTest {
  static final long NOW = 1_800_000_000_000L;
  static final long NOW_S = NOW / 1000;
  static final AuthConfig.Issuer ISSUER = new AuthConfig.Issuer("https://idp.example", null, Set.of("bff"),
      Set.of("RS256"), Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(2),
      false, new AuthConfig.Introspection(URI.create("https://idp.example/introspect"), "bff", "secret", null,
          AuthConfig.Introspection.ClientAuth.CLIENT_SECRET_BASIC, Duration.ofMinutes(5), Duration.ofSeconds(10),
          Duration.ofSeconds(2), 1000, false));

  static IntrospectionAnswer.Verdict parse(String json) {
    return IntrospectionAnswer.parse(Buffer.buffer(json), ISSUER, NOW);
  }

  @Test
  void anActiveTokenGivesThePrincipalAJwtWould() {
    IntrospectionAnswer.Verdict v = parse("{\"active\":true,\"sub\":\"u1\",\"scope\":\"read  write\",\"aud\":[\"x\",\"bff\"],"
        + "\"iss\":\"https://idp.example\",\"exp\":" + (NOW_S + 60) + ",\"client_id\":\"app\",\"tier\":\"gold\"}");
    Principal p = v.principal();
    assertEquals("u1", p.subject());
    assertEquals("introspected", p.kind());
    assertEquals("https://idp.example", p.issuer());
    assertEquals(Set.of("read", "write"), p.scopes());
    assertEquals("gold", p.claims().get("tier"));
    assertEquals(List.of("x", "bff"), p.claims().get("aud"));
    assertTrue(!p.claims().containsKey("active"));
    // Remembered until exp (plus skew) when that comes before cacheTtl.
    assertEquals((NOW_S + 60) * 1000 + 30_000, v.untilMillis());
  }

  @Test
  void withoutExpAnActiveVerdictLastsCacheTtl() {
    IntrospectionAnswer.Verdict v = parse("{\"active\":true,\"aud\":\"bff\"}");
    assertEquals("", v.principal().subject());
    assertEquals(Set.of(), v.principal().scopes());
    assertEquals(NOW + 300_000, v.untilMillis());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "inactive                | {\"active\":false}                                               | token is not active",
      "inactive with claims    | {\"active\":false,\"sub\":\"u1\",\"aud\":\"bff\"}                | token is not active",
      "expired                 | {\"active\":true,\"aud\":\"bff\",\"exp\":1799999900}             | token expired",
      "not yet valid           | {\"active\":true,\"aud\":\"bff\",\"nbf\":1800000100}             | token not yet valid",
      "another issuer          | {\"active\":true,\"aud\":\"bff\",\"iss\":\"https://evil.example\"} | token from another issuer",
      "wrong audience          | {\"active\":true,\"aud\":\"other\"}                               | token not meant for this audience",
      "no audience             | {\"active\":true}                                                | token not meant for this audience",
      "audience list without   | {\"active\":true,\"aud\":[\"a\",\"b\"]}                          | token not meant for this audience",
  })
  void refusals(String name, String json, String why) {
    IntrospectionAnswer.Verdict v = parse(json);
    assertNull(v.principal(), name);
    assertEquals(why, v.refusal());
    assertEquals(NOW + 10_000, v.untilMillis(), "refusals last negativeTtl");
  }

  @Test
  void expiryWithinTheClockSkewStillAdmits() {
    assertEquals("u", parse("{\"active\":true,\"aud\":\"bff\",\"sub\":\"u\",\"exp\":" + (NOW_S - 20) + "}").principal().subject());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "not JSON             | active=true",
      "an array             | [{\"active\":true}]",
      "a string             | \"active\"",
      "no active            | {\"sub\":\"u1\"}",
      "active as a string   | {\"active\":\"true\"}",
      "active as a number   | {\"active\":1}",
      "exp as a string      | {\"active\":true,\"aud\":\"bff\",\"exp\":\"1800000100\"}",
      "exp fractional       | {\"active\":true,\"aud\":\"bff\",\"exp\":1800000100.5}",
      "scope as a list      | {\"active\":true,\"aud\":\"bff\",\"scope\":[\"read\"]}",
      "sub as a number      | {\"active\":true,\"aud\":\"bff\",\"sub\":7}",
      "truncated            | {\"active\":true,",
      "empty                | ''",
  })
  void malformedAnswersAreTheIdentityProvidersFault(String name, String body) {
    assertThrows(IntrospectionAnswer.Malformed.class, () -> parse(body), name);
  }

  @Test
  void anOversizedAnswerIsMalformed() {
    String big = "{\"active\":true,\"aud\":\"bff\",\"pad\":\"" + "x".repeat(IntrospectionAnswer.MAX_BYTES) + "\"}";
    assertThrows(IntrospectionAnswer.Malformed.class, () -> parse(big));
  }

  @FuzzTest(maxDuration = "10s")
  void anyBytesGiveAVerdictOrMalformed(FuzzedDataProvider data) {
    byte[] bytes = data.consumeRemainingAsBytes();
    try {
      IntrospectionAnswer.Verdict v = IntrospectionAnswer.parse(Buffer.buffer(bytes), ISSUER, NOW);
      if (v.principal() == null && v.refusal() == null) throw new AssertionError("a verdict without principal or refusal");
    } catch (IntrospectionAnswer.Malformed expected) {
      // the identity provider's fault: 503
    }
  }
}
