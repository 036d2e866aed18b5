package dev.bffkit.core.ratelimit.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The crossing's identity (stable across retries and instances, distinct between crossings) and its JSON. */
class UsageEventTest {

  static UsageEvent event(String key, int threshold) {
    return new UsageEvent("web", "free", key, "2026-11", threshold, 10_000, threshold * 100L, "reject", 1_795_000_000_000L);
  }

  @Test
  void idempotencyKeyIsSha256OfTheCrossingAndIgnoresUsageAndTime() throws Exception {
    UsageEvent e = event("apikey:demo-free", 80);
    byte[] digest = MessageDigest.getInstance("SHA-256")
        .digest("web|free|apikey:demo-free|2026-11|80".getBytes(StandardCharsets.UTF_8));
    assertEquals(HexFormat.of().formatHex(digest).substring(0, 32), e.idempotencyKey());
    // Another instance reports the same crossing with its own count and clock: the same key.
    UsageEvent sameCrossing = new UsageEvent("web", "free", "apikey:demo-free", "2026-11", 80, 10_000, 8_003, "reject", 1);
    assertEquals(e.idempotencyKey(), sameCrossing.idempotencyKey());
  }

  @Test
  void differentCrossingsHaveDifferentKeysEvenWhenFieldsContainTheSeparator() {
    Set<String> keys = Set.of(
        event("a", 80).idempotencyKey(),
        event("a", 100).idempotencyKey(),
        event("b", 80).idempotencyKey(),
        new UsageEvent("web", "free", "a", "2026-12", 80, 10_000, 1, "reject", 0).idempotencyKey(),
        new UsageEvent("web", "pro", "a", "2026-11", 80, 10_000, 1, "reject", 0).idempotencyKey(),
        new UsageEvent("ios", "free", "a", "2026-11", 80, 10_000, 1, "reject", 0).idempotencyKey());
    assertEquals(6, keys.size());
    // Without escaping both would hash "web|t|a|b|2026-11|80".
    assertNotEquals(
        new UsageEvent("web", "t|a", "b", "2026-11", 80, 1, 1, "bill", 0).idempotencyKey(),
        new UsageEvent("web", "t", "a|b", "2026-11", 80, 1, 1, "bill", 0).idempotencyKey());
    assertNotEquals(
        new UsageEvent("web", "t\\", "|b", "2026-11", 80, 1, 1, "bill", 0).idempotencyKey(),
        new UsageEvent("web", "t\\|", "b", "2026-11", 80, 1, 1, "bill", 0).idempotencyKey());
    assertTrue(event("a", 80).idempotencyKey().matches("[0-9a-f]{32}"));
  }

  @Test
  void jsonCarriesTypeKeyAndEveryField() {
    UsageEvent e = new UsageEvent("web", "pro", "sub:42", "2026-11", 100, 500, 501, "bill", 1_795_000_000_123L);
    JsonObject j = e.toJson();
    assertEquals("quota.threshold", j.getString("type"));
    assertEquals(e.idempotencyKey(), j.getString("idempotencyKey"));
    assertEquals("web", j.getString("bff"));
    assertEquals("pro", j.getString("tier"));
    assertEquals("sub:42", j.getString("key"));
    assertEquals("2026-11", j.getString("period"));
    assertEquals(100, j.getInteger("thresholdPercent"));
    assertEquals(500L, j.getLong("quota"));
    assertEquals(501L, j.getLong("used"));
    assertEquals("bill", j.getString("overQuota"));
    assertEquals(1_795_000_000_123L, j.getLong("atEpochMillis"));
    assertEquals(11, j.size());
  }

  @Test
  void badFieldsAreRefusedAtConstruction() {
    assertThrows(IllegalArgumentException.class, () -> new UsageEvent("web", "free", "k", "2026-11", 80, 1, 1, "allow", 0));
    assertThrows(IllegalArgumentException.class, () -> new UsageEvent("web", "free", "k", "2026-11", 0, 1, 1, "bill", 0));
    assertThrows(IllegalArgumentException.class, () -> new UsageEvent("web", "free", "k", "2026-11", 80, 0, 1, "bill", 0));
    assertThrows(NullPointerException.class, () -> new UsageEvent("web", null, "k", "2026-11", 80, 1, 1, "bill", 0));
  }
}
