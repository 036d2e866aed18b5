package dev.bffkit.core.ratelimit.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The one Lua script behind every global decision: GCRA over one or more limits, all-or-nothing, cost 1.
 *
 * <p>Per limit the key holds its theoretical arrival time (TAT, µs since the epoch of Redis's own clock) and
 * expires when the TAT passes, so idle keys vanish. "Now" is Redis's {@code TIME}, so the BFF instances'
 * clocks need not agree (Redis ≥ 5 replicates scripts by effects, which makes {@code TIME} before a write legal).
 * A request is allowed when every limit's debt (TAT − now) is within its burst tolerance τ; only then each TAT
 * advances by its emission interval T. A refusal by one limit consumes none of the others.
 *
 * <pre>
 * KEYS[i]              the i-th limit's key (Cluster: all keys of one call must share a {hash tag})
 * ARGV[2i-1], ARGV[2i] the i-th limit's T and τ, in µs (τ = (burst − 1)·T)
 * reply                {allowed 0|1, retry_after_ms, remaining_1, reset_after_ms_1, ..., remaining_n, reset_after_ms_n}
 * </pre>
 *
 * TATs are written with {@code string.format('%d')}: Lua 5.1 would print a 16-digit number as {@code %.14g}
 * and lose the microseconds.
 */
final class GcraScript {

  static final String SOURCE = """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
      local n = #KEYS
      local debts = {}
      local allowed = 1
      local retry = 0
      for i = 1, n do
        local tolerance = tonumber(ARGV[2 * i])
        local tat = tonumber(redis.call('GET', KEYS[i])) or 0
        local debt = tat - now
        if debt < 0 then debt = 0 end
        debts[i] = debt
        if debt > tolerance then
          allowed = 0
          if debt - tolerance > retry then retry = debt - tolerance end
        end
      end
      local reply = {allowed, math.ceil(retry / 1000)}
      for i = 1, n do
        local interval = tonumber(ARGV[2 * i - 1])
        local tolerance = tonumber(ARGV[2 * i])
        local debt = debts[i]
        if allowed == 1 then
          debt = debt + interval
          redis.call('SET', KEYS[i], string.format('%d', now + debt), 'PX', string.format('%d', math.ceil(debt / 1000) + 1))
        end
        local remaining = 0
        if debt <= tolerance then remaining = math.floor((tolerance - debt) / interval) + 1 end
        reply[2 * i + 1] = remaining
        reply[2 * i + 2] = math.ceil(debt / 1000)
      end
      return reply
      """;

  /** SHA-1 of {@link #SOURCE}, the name Redis gives it in {@code SCRIPT LOAD} and {@code EVALSHA}. */
  static final String SHA1 = sha1(SOURCE);

  private GcraScript() {}

  private static String sha1(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every JDK", e);
    }
  }
}
