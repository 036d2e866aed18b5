package dev.bffkit.core.reload;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One reload attempt. {@code version}: the fingerprint of the folder as it was read (for REFUSED,
 * the version that was refused); {@code trigger}: {@code file}, {@code admin} or {@code start};
 * {@code error}: for REFUSED the ConfigException's message ({@code ios/bff.yaml:12: ...}), for
 * FAILED what went wrong, else null.
 */
public record ReloadResult(String version, String trigger, Outcome outcome, String error, long atEpochMillis,
    long durationMillis) {

  public enum Outcome {
    /** Valid and new: handed to the swap, which succeeded. */
    APPLIED,
    /** Invalid: the old config keeps serving. */
    REFUSED,
    /** The folder is the version already served. */
    UNCHANGED,
    /** Not a config problem: the folder could not be read, or the swap failed. */
    FAILED
  }

  /** The admin API's shape: the fields above plus {@code at} as ISO-8601 UTC. */
  public JsonObject toJson() {
    return new JsonObject().put("version", version).put("trigger", trigger).put("outcome", outcome.name())
        .put("error", error).put("at", Instant.ofEpochMilli(atEpochMillis).toString())
        .put("atEpochMillis", atEpochMillis).put("durationMillis", durationMillis);
  }
}
