package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.pipeline.Cookies;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * What a consistent-hash balancer hashes: a header, a cookie, or a claim of the bearer JWT. The
 * JWT is only decoded, not verified: stickiness is a routing hint, authentication is done
 * elsewhere, and a forged claim only moves its sender to another replica.
 */
final class HashKey {
  private HashKey() {}

  /** The key, or null when the request has none. */
  static String of(ServiceConfig.HashOn on, MultiMap headers) {
    if (headers == null) return null;
    return switch (on.source()) {
      case HEADER -> headers.get(on.name());
      case COOKIE -> Cookies.value(headers.get("cookie"), on.name());
      case CLAIM -> claim(headers.get("authorization"), on.name());
    };
  }

  static String claim(String authorization, String name) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
    String[] parts = authorization.substring(7).trim().split("\\.");
    if (parts.length < 2) return null;
    try {
      JsonObject payload = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
      Object v = payload.getValue(name);
      return v == null ? null : v.toString();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** 64-bit FNV-1a with a final avalanche (murmur3 fmix64). */
  static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
