package dev.bffkit.core.security;

import dev.bffkit.core.config.AuthConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * API keys, known only by their SHA-256: a presented key is hashed and looked up, so the config
 * (and a memory dump) never holds a usable key. Each key gives a principal with its name as
 * subject, its tier and its scopes.
 */
public final class ApiKeys {
  private final Map<String, Principal> byHash = new HashMap<>();

  public ApiKeys(AuthConfig.ApiKeys config) {
    for (AuthConfig.ApiKey k : config.keys()) {
      byHash.put(k.sha256(), new Principal("apikey", k.name(), null, k.scopes(), k.tier(),
          Map.of("sub", k.name(), "tier", k.tier())));
    }
  }

  public boolean isEmpty() {
    return byHash.isEmpty();
  }

  /** The key's principal, or null when the key is unknown. */
  public Principal lookup(String key) {
    if (key.length() > 512) return null;
    return byHash.get(sha256Hex(key));
  }

  public static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
