package dev.bffkit.core.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code portal:} in bff.yaml: the developer portal's options beyond its pages: self-service keys and the public
 * portal for partner developers on the client listener ({@code publicPortal} null: off).
 */
public record PortalConfig(Keys keys, Public publicPortal) {

  public PortalConfig(Keys keys) {
    this(keys, null);
  }

  public static PortalConfig defaults() {
    return new PortalConfig(Keys.off());
  }

  /** This config with the public portal set (null: off). */
  public PortalConfig withPublic(Public p) {
    return new PortalConfig(keys, p);
  }

  /**
   * {@code portal.public}: the partner-facing part of the portal on the client listener under {@code path} (no
   * trailing slash), its data behind a developer token from the BFF's issuers holding {@code scopes}.
   * {@code declaredAt} is {@code file:line}, for the route table's overlap errors.
   */
  public record Public(String path, Set<String> scopes, String declaredAt) {
    public Public {
      scopes = Set.copyOf(scopes);
    }
  }

  /** This config with a relative key-store file resolved against the bundle folder. */
  public PortalConfig resolvedAgainst(Path folder) {
    if (keys.file() == null || keys.file().isAbsolute()) return this;
    return new PortalConfig(new Keys(keys.enabled(), keys.tiers(), keys.maxPerDeveloper(), folder.resolve(keys.file()),
        keys.redisUrl(), keys.scopes()), publicPortal);
  }

  /**
   * {@code portal.keys}: developers signed in with the BFF's identity provider make their own API
   * keys. Stored (as hashes only) in {@code file} or, when {@code redisUrl} is set, in Redis.
   */
  public record Keys(
      boolean enabled,
      /** The tiers a developer may pick, in declaration order. */
      List<String> tiers,
      int maxPerDeveloper,
      /** The store's JSON file; null when the store is Redis. */
      Path file,
      /** The store's Redis; null when the store is a file. */
      String redisUrl,
      /** Scopes every self-service key carries. */
      Set<String> scopes) {
    public static final int DEFAULT_MAX_PER_DEVELOPER = 5;

    public Keys {
      tiers = List.copyOf(tiers);
      scopes = Set.copyOf(scopes);
    }

    public static Keys off() {
      return new Keys(false, List.of(), DEFAULT_MAX_PER_DEVELOPER, null, null, Set.of());
    }
  }
}
