package dev.bffkit.core.ratelimit.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The one Lua script behind every global decision: GCRA over zero or more limits, all-or-nothing, cost 1, and the
 * caller's usage in its billing period, checked against its quota and counted in the same atomic step.
 *
 * <p>Per limit the key holds its theoretical arrival time (TAT, µs since the epoch of Redis's own clock) and
 * expires when the TAT passes, so idle keys vanish. "Now" is Redis's {@code TIME}, so the BFF instances'
 * clocks need not agree (Redis ≥ 5 replicates scripts by effects, which makes {@code TIME} before a write legal).
 * A request is allowed when every limit's debt (TAT − now) is within its burst tolerance τ and, with a rejecting
 * quota, the period's usage is below the quota; only then each TAT advances by its emission interval T and the
 * usage hash counts the request (field {@code total} and the route's field). A refusal by one limit consumes none
 * of the others. Because the count is an atomic increment, exactly one request in the whole fleet sees the usage
 * cross a given threshold (the caller turns that into one billing event).
 *
 * <pre>
 * KEYS[1..n]           the limits' keys; KEYS[n+1] the usage hash, when metered (Cluster: one {hash tag} for all)
 * ARGV[1]              n
 * ARGV[2i], ARGV[2i+1] the i-th limit's T and τ, in µs (τ = (burst − 1)·T)
 * ARGV[2n+2..2n+5]     when metered: quota (0 = meter only), 1 = refuse past the quota, expire-at (unix s), route field
 * reply                {allowed 0|1, retry_after_ms, quota_refused 0|1, used (after; -1 unmetered),
 *                       remaining_1, reset_after_ms_1, ..., remaining_n, reset_after_ms_n}
 * </pre>
 *
 * TATs are written with {@code string.format('%d')}: Lua 5.1 would print a 16-digit number as {@code %.14g}
 * and lose the microseconds.
 */
final class GcraScript {

  static final String SOURCE = """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
      local n = tonumber(ARGV[1])
      local debts = {}
      local allowed = 1
      local retry = 0
      for i = 1, n do
        local tolerance = tonumber(ARGV[2 * i + 1])
        local tat = tonumber(redis.call('GET', KEYS[i])) or 0
        local debt = tat - now
        if debt < 0 then debt = 0 end
        debts[i] = debt
        if debt > tolerance then
          allowed = 0
          if debt - tolerance > retry then retry = debt - tolerance end
        end
      end
      local usage = KEYS[n + 1]
      local used = -1
      local quotaRefused = 0
      if usage then
        local quota = tonumber(ARGV[2 * n + 2])
        used = tonumber(redis.call('HGET', usage, 'total')) or 0
        if allowed == 1 and quota > 0 and ARGV[2 * n + 3] == '1' and used >= quota then
          allowed = 0
          quotaRefused = 1
        end
      end
      local reply = {allowed, math.ceil(retry / 1000), quotaRefused, used}
      for i = 1, n do
        local interval = tonumber(ARGV[2 * i])
        local tolerance = tonumber(ARGV[2 * i + 1])
        local debt = debts[i]
        if allowed == 1 then
          debt = debt + interval
          redis.call('SET', KEYS[i], string.format('%d', now + debt), 'PX', string.format('%d', math.ceil(debt / 1000) + 1))
        end
        local remaining = 0
        if debt <= tolerance then remaining = math.floor((tolerance - debt) / interval) + 1 end
        reply[2 * i + 3] = remaining
        reply[2 * i + 4] = math.ceil(debt / 1000)
      end
      if usage and allowed == 1 then
        used = redis.call('HINCRBY', usage, 'total', 1)
        redis.call('HINCRBY', usage, ARGV[2 * n + 5], 1)
        if used == 1 then redis.call('EXPIREAT', usage, ARGV[2 * n + 4]) end
        reply[4] = used
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
