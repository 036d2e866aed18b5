package dev.bffkit.core.portal.keys;

import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.PortalConfig;
import dev.bffkit.core.security.ApiKeys;
import dev.bffkit.core.security.DynamicKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.logging.Logger;

/**
 * The BFF's self-service keys ({@code portal.keys}): their store, the map the request path reads
 * ({@link #dynamic()}) and what the portal API does with them. A key is {@code bffk_} and 32 random
 * bytes (base64url): shown once, then only its SHA-256 is kept. Logs name a key by its id only.
 */
public final class PortalKeys {
  static final String PREFIX = "bffk_";
  static final String USAGE_METER = "bff_usage_key_requests_total";
  private static final Logger LOG = Logger.getLogger("dev.bffkit.portal");
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final PortalConfig.Keys config;
  private final DynamicKeys dynamic;
  private final KeyStore store;
  private final MeterRegistry meters;
  private final SecureRandom random = new SecureRandom();

  PortalKeys(PortalConfig.Keys config, DynamicKeys dynamic, KeyStore store, MeterRegistry meters) {
    this.config = config;
    this.dynamic = dynamic;
    this.store = store;
    this.meters = meters;
  }

  /** The keys of {@code config}'s {@code portal.keys}, or null when they are off. */
  public static PortalKeys create(Vertx vertx, BffConfig config, MeterRegistry meters) {
    PortalConfig.Keys k = config.portal().keys();
    if (!k.enabled()) return null;
    DynamicKeys dynamic = new DynamicKeys();
    String prefix = config.rateLimits().redis() == null ? "bffkit:" : config.rateLimits().redis().keyPrefix();
    KeyStore store = k.file() != null ? new FileKeyStore(vertx, k.file(), dynamic, k.scopes())
        : new RedisKeyStore(vertx, k.redisUrl(), prefix + "portal:", dynamic, k.scopes());
    return new PortalKeys(k, dynamic, store, meters);
  }

  /** The self-service keys as the request path looks them up. */
  public DynamicKeys dynamic() {
    return dynamic;
  }

  /** Reads the keys (before the BFF is ready) and follows the store's changes. */
  public Future<Void> start() {
    return store.start();
  }

  public Future<Void> close() {
    return store.close();
  }

  PortalConfig.Keys config() {
    return config;
  }

  /** The developer's keys, revoked ones too, oldest first. */
  List<KeyRecord> of(String owner) {
    return store.all().stream().filter(r -> r.owner().equals(owner)).toList();
  }

  /** The developer's key {@code id}, or null (also when it is someone else's). */
  KeyRecord find(String owner, String id) {
    for (KeyRecord r : store.all()) if (r.id().equals(id) && r.owner().equals(owner)) return r;
    return null;
  }

  long active(String owner) {
    return of(owner).stream().filter(KeyRecord::active).count();
  }

  /** A new key for the developer; the secret is in the answer only. */
  Future<Issued> create(String owner, KeyRequest req) {
    String secret = secret();
    KeyRecord r = new KeyRecord(id(), owner, req.name(), req.tier(), ApiKeys.sha256Hex(secret), last4(secret),
        Instant.now(), null, null);
    return store.put(r).map(v -> {
      LOG.info("event=portal_key_created key_id=" + r.id() + " tier=" + r.tier());
      return new Issued(r, secret);
    });
  }

  /** A new secret for the key; the old one is refused once the store has it. */
  Future<Issued> rotate(KeyRecord old) {
    String secret = secret();
    KeyRecord r = old.rotatedTo(ApiKeys.sha256Hex(secret), last4(secret), Instant.now());
    return store.put(r).map(v -> {
      LOG.info("event=portal_key_rotated key_id=" + r.id());
      return new Issued(r, secret);
    });
  }

  Future<KeyRecord> revoke(KeyRecord old) {
    KeyRecord r = old.revokedAt(Instant.now());
    return store.put(r).map(v -> {
      LOG.info("event=portal_key_revoked key_id=" + r.id());
      return r;
    });
  }

  /** Requests metered for the key on this BFF ({@value #USAGE_METER}; 0 without rate limits). */
  double usage(String id) {
    double n = 0;
    for (Counter c : meters.find(USAGE_METER).tag("key", id).counters()) n += c.count();
    return n;
  }

  record Issued(KeyRecord record, String secret) {}

  private String secret() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return PREFIX + B64.encodeToString(b);
  }

  private String id() {
    byte[] b = new byte[12];
    random.nextBytes(b);
    return B64.encodeToString(b);
  }

  private static String last4(String secret) {
    return secret.substring(secret.length() - 4);
  }
}
