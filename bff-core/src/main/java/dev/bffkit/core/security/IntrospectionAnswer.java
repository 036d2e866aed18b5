package dev.bffkit.core.security;

import dev.bffkit.core.config.AuthConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * An identity provider's answer to an introspection request (RFC 7662 §2.2), read strictly, as a verdict on the token:
 * its principal (the same a JWT gives: {@code sub}, {@code scope}, the other members as claims), or why it is refused,
 * and until when the verdict may be remembered. {@code active} false, an {@code exp} past or {@code nbf} ahead (with
 * the issuer's clock skew), another {@code iss}, or no {@code aud} the issuer accepts refuse the token. An answer that
 * is not such a JSON object (§2.2: {@code active} is REQUIRED and boolean) is the identity provider's fault, not the
 * caller's: {@link Malformed}, answered 503 like an identity provider that is down.
 */
final class IntrospectionAnswer {
  /** The largest answer read; a token's answer is a few hundred bytes. */
  static final int MAX_BYTES = 64 * 1024;
  static final String KIND = "introspected";
  /** The refusal of an answer {@code active: false}. */
  static final String INACTIVE = "token is not active";

  /** A verdict: the principal, or null with {@code refusal}; remembered until {@code untilMillis}. */
  record Verdict(Principal principal, String refusal, long untilMillis) {}

  /** The answer broke RFC 7662 §2.2. */
  static final class Malformed extends RuntimeException {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  private IntrospectionAnswer() {}

  static Verdict parse(Buffer body, AuthConfig.Issuer issuer, long nowMillis) {
    AuthConfig.Introspection cfg = issuer.introspection();
    if (body.length() > MAX_BYTES) throw new Malformed("answer longer than " + MAX_BYTES + " bytes");
    Object parsed;
    try {
      parsed = Json.CODEC.fromBuffer(body, Object.class);
    } catch (RuntimeException e) {
      throw new Malformed("answer is not JSON");
    }
    if (parsed instanceof JsonObject o) parsed = o.getMap();
    if (!(parsed instanceof Map<?, ?> map)) throw new Malformed("answer is not a JSON object");
    Object active = map.get("active");
    if (!(active instanceof Boolean)) throw new Malformed("answer has no boolean 'active' (RFC 7662 §2.2)");
    long refusedUntil = nowMillis + cfg.negativeTtl().toMillis();
    if (!((Boolean) active)) return new Verdict(null, INACTIVE, refusedUntil);
    long skew = issuer.clockSkew().toMillis();
    Long exp = seconds(map, "exp");
    if (exp != null && nowMillis > exp * 1000 + skew) return new Verdict(null, "token expired", refusedUntil);
    Long nbf = seconds(map, "nbf");
    if (nbf != null && nowMillis + skew < nbf * 1000) return new Verdict(null, "token not yet valid", refusedUntil);
    Object iss = map.get("iss");
    if (iss != null && !issuer.issuer().equals(iss)) return new Verdict(null, "token from another issuer", refusedUntil);
    if (!issuer.audiences().isEmpty() && !audienceMatches(map.get("aud"), issuer.audiences())) {
      return new Verdict(null, "token not meant for this audience", refusedUntil);
    }
    Object scope = map.get("scope");
    if (scope != null && !(scope instanceof String)) throw new Malformed("'scope' is not a string (RFC 7662 §2.2)");
    Object sub = map.get("sub");
    if (sub != null && !(sub instanceof String)) throw new Malformed("'sub' is not a string");
    Set<String> scopes = new LinkedHashSet<>();
    if (scope != null) for (String s : ((String) scope).split(" ")) if (!s.isEmpty()) scopes.add(s);
    Map<String, Object> claims = new HashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (e.getValue() != null && !"active".equals(e.getKey())) claims.put(String.valueOf(e.getKey()), e.getValue());
    }
    long until = nowMillis + cfg.cacheTtl().toMillis();
    if (exp != null) until = Math.min(until, exp * 1000 + skew);
    Principal p = new Principal(KIND, sub == null ? "" : (String) sub, issuer.issuer(), scopes, null, claims);
    return new Verdict(p, null, until);
  }

  /** A NumericDate member (seconds since the epoch), or null when absent. */
  private static Long seconds(Map<?, ?> map, String name) {
    Object v = map.get(name);
    if (v == null) return null;
    if (!(v instanceof Number n) || n.doubleValue() != Math.floor(n.doubleValue()) || Double.isInfinite(n.doubleValue())) {
      throw new Malformed("'" + name + "' is not a NumericDate");
    }
    return n.longValue();
  }

  /** RFC 7662 §2.2 {@code aud}: a string or an array of strings, one of which the issuer accepts. */
  private static boolean audienceMatches(Object aud, Set<String> accepted) {
    if (aud instanceof String s) return accepted.contains(s);
    if (aud instanceof Collection<?> c) {
      for (Object a : c) if (a instanceof String s && accepted.contains(s)) return true;
    }
    return false;
  }
}
