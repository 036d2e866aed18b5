package dev.bffkit.core.portal.keys;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One self-service key as stored: its SHA-256 (never the key), whose it is ({@code owner}: the
 * developer's {@code iss} and {@code sub}), its name and tier, and when it was made, last rotated
 * and revoked (null when not). {@code last4} lets the developer tell keys apart.
 */
record KeyRecord(String id, String owner, String name, String tier, String sha256, String last4, Instant created,
    Instant rotated, Instant revoked) {

  boolean active() {
    return revoked == null;
  }

  KeyRecord rotatedTo(String newSha256, String newLast4, Instant at) {
    return new KeyRecord(id, owner, name, tier, newSha256, newLast4, created, at, null);
  }

  KeyRecord revokedAt(Instant at) {
    return new KeyRecord(id, owner, name, tier, sha256, last4, created, rotated, at);
  }

  /** As stored (the file's entries, Redis's hash fields). */
  JsonObject toStored() {
    JsonObject o = new JsonObject().put("id", id).put("owner", owner).put("name", name).put("tier", tier)
        .put("sha256", sha256).put("last4", last4).put("created", created.toString());
    if (rotated != null) o.put("rotated", rotated.toString());
    if (revoked != null) o.put("revoked", revoked.toString());
    return o;
  }

  /** From {@link #toStored()}; throws on a missing or malformed field. */
  static KeyRecord fromStored(JsonObject o) {
    return new KeyRecord(required(o, "id"), required(o, "owner"), required(o, "name"), required(o, "tier"),
        required(o, "sha256"), required(o, "last4"), Instant.parse(required(o, "created")), instant(o, "rotated"),
        instant(o, "revoked"));
  }

  /** As the developer sees it: never the hash, and never who else owns what. */
  JsonObject toPublic(double usage) {
    JsonObject o = new JsonObject().put("id", id).put("name", name).put("tier", tier).put("last4", last4)
        .put("created", created.toString()).put("rotated", rotated == null ? null : rotated.toString())
        .put("revoked", revoked == null ? null : revoked.toString()).put("requests", (long) usage);
    return o;
  }

  private static String required(JsonObject o, String key) {
    Object v = o.getValue(key);
    if (!(v instanceof String s) || s.isEmpty()) throw new IllegalArgumentException("key record without '" + key + "'");
    return s;
  }

  private static Instant instant(JsonObject o, String key) {
    Object v = o.getValue(key);
    return v instanceof String s && !s.isEmpty() ? Instant.parse(s) : null;
  }
}
