package dev.bffkit.core.security;

import java.util.Map;

/**
 * API keys that change while the BFF runs (the portal's self-service keys): an immutable map from
 * a key's SHA-256 (hex) to its principal, replaced whole by the key store and read by
 * {@link ApiKeys#lookup} on the request path without a lock (one volatile read). Outlives a reload:
 * each {@link Security} built for a new config reads the same instance.
 */
public final class DynamicKeys {
  private volatile Map<String, Principal> byHash = Map.of();

  /** Replaces every key at once (the map is copied; readers see the old map or the new one). */
  public void publish(Map<String, Principal> next) {
    byHash = Map.copyOf(next);
  }

  Principal get(String sha256) {
    return byHash.get(sha256);
  }

  /** The keys now published. */
  public Map<String, Principal> current() {
    return byHash;
  }
}
