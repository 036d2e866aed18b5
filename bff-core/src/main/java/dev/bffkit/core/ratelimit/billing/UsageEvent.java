package dev.bffkit.core.ratelimit.billing;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One quota threshold crossing, as the billing webhook receives it: caller {@code key} of tier {@code tier} on
 * BFF {@code bff} used {@code used} of {@code quota} in billing {@code period} and so crossed
 * {@code thresholdPercent}. The crossing is detected once (atomically, in Redis); this is what gets delivered.
 *
 * @param overQuota what the tier does over quota: {@code "reject"} (429) or {@code "bill"} (allow and bill)
 */
public record UsageEvent(String bff, String tier, String key, String period, int thresholdPercent, long quota,
    long used, String overQuota, long atEpochMillis) {

  /** The JSON {@code type} of every event, so a receiver that gets several kinds can tell them apart. */
  public static final String TYPE = "quota.threshold";

  public UsageEvent {
    Objects.requireNonNull(bff, "bff");
    Objects.requireNonNull(tier, "tier");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(overQuota, "overQuota");
    if (!overQuota.equals("reject") && !overQuota.equals("bill")) {
      throw new IllegalArgumentException("overQuota must be reject or bill, got " + overQuota);
    }
    if (thresholdPercent <= 0) throw new IllegalArgumentException("thresholdPercent must be > 0, got " + thresholdPercent);
    if (quota <= 0 || used < 0) throw new IllegalArgumentException("need quota > 0 and used >= 0, got " + quota + ", " + used);
  }

  /**
   * A stable id for this crossing, the same on every retry and on every BFF instance, so the receiver can
   * dedupe: the first 32 hex chars of SHA-256 over {@code bff|tier|key|period|threshold}. A {@code |} or
   * {@code \} inside a field is escaped with {@code \} first, so two different crossings never share the
   * hashed text (key {@code "a|b"} of tier {@code "t"} is not key {@code "b"} of tier {@code "t|a"}).
   * Neither {@code used} nor the time is hashed: they differ between the instances that may report one crossing.
   */
  public String idempotencyKey() {
    String text = escape(bff) + '|' + escape(tier) + '|' + escape(key) + '|' + escape(period) + '|' + thresholdPercent;
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** The webhook's body. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("type", TYPE)
        .put("idempotencyKey", idempotencyKey())
        .put("bff", bff)
        .put("tier", tier)
        .put("key", key)
        .put("period", period)
        .put("thresholdPercent", thresholdPercent)
        .put("quota", quota)
        .put("used", used)
        .put("overQuota", overQuota)
        .put("atEpochMillis", atEpochMillis);
  }

  /** The caller the event is about: events of one caller are delivered in the order they were offered. */
  String caller() {
    return escape(bff) + '|' + escape(key);
  }

  private static String escape(String field) {
    if (field.indexOf('|') < 0 && field.indexOf('\\') < 0) return field;
    return field.replace("\\", "\\\\").replace("|", "\\|");
  }
}
