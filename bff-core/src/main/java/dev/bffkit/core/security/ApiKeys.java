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
 * subject, its tier and its scopes. Self-service keys ({@link DynamicKeys}) are looked up after the
 * configured ones.
 */
public final class ApiKeys {
  private final Map<String, Principal> byHash = new HashMap<>();
  /** The portal's self-service keys, or null when they are off. */
  private final DynamicKeys dynamic;

  public ApiKeys(AuthConfig.ApiKeys config) {
    this(config, null);
  }

  public ApiKeys(AuthConfig.ApiKeys config, DynamicKeys dynamic) {
    this.dynamic = dynamic;
    for (AuthConfig.ApiKey k : config.keys()) {
      byHash.put(k.sha256(), new Principal("apikey", k.name(), null, k.scopes(), k.tier(),
          Map.of("sub", k.name(), "tier", k.tier())));
    }
  }

  public boolean isEmpty() {
    return byHash.isEmpty() && dynamic == null;
  }

  /** The key's principal, or null when the key is unknown. */
  public Principal lookup(String key) {
    if (key.length() > 512) return null;
    String hash = sha256Hex(key);
    Principal p = byHash.get(hash);
    return p != null || dynamic == null ? p : dynamic.get(hash);
  }

  public static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
