package dev.bffkit.core.portal.keys;

import dev.bffkit.core.security.DynamicKeys;
import dev.bffkit.core.security.Principal;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where self-service keys live (a file or Redis), shared by every BFF of a fleet. Each store keeps
 * the last full list it read and, on each change, publishes the active keys to {@link DynamicKeys}
 * (hash → principal, swapped whole) for the request path; it polls or listens so a change made on
 * another BFF shows within a second.
 */
abstract class KeyStore {
  private final DynamicKeys dynamic;
  private final Set<String> scopes;
  private volatile List<KeyRecord> all = List.of();

  KeyStore(DynamicKeys dynamic, Set<String> scopes) {
    this.dynamic = dynamic;
    this.scopes = Set.copyOf(scopes);
  }

  /** Reads the keys once (the BFF starts with them) and begins following changes. */
  abstract Future<Void> start();

  /** Stores {@code record} (a new key, or a rotated or revoked one, replacing the one with its id). */
  abstract Future<Void> put(KeyRecord record);

  abstract Future<Void> close();

  /** Every key as last read, revoked ones too. */
  final List<KeyRecord> all() {
    return all;
  }

  /** Takes {@code records} as the store's content: the list the portal reads, the map requests read. */
  final void apply(List<KeyRecord> records) {
    Map<String, Principal> byHash = new HashMap<>();
    for (KeyRecord r : records) {
      if (!r.active()) continue;
      // The subject is the key's id: usage is metered per key, and the id is what the portal shows.
      byHash.put(r.sha256(), new Principal("apikey", r.id(), null, scopes, r.tier(), Map.of("sub", r.id(), "tier", r.tier())));
    }
    all = List.copyOf(records);
    dynamic.publish(byHash);
  }
}
