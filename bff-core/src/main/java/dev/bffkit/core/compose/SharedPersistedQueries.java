package dev.bffkit.core.compose;

import dev.bffkit.core.config.FleetConfig;
import dev.bffkit.core.internal.FleetRedis;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * APQ registrations in the fleet's Redis ({@code redis.url}), beside each instance's own {@link PersistedQueries}: a
 * hash registered through one instance runs on every other. One key per hash, {@code PREFIX apq:BFF:HASH} → the query,
 * living {@code redis.apqTtl} after its last write. Redis is a cache, never an authority: a query read from it runs
 * only when its SHA-256 is the hash asked for, so a wrong value can make a client resend its query but never run
 * another one. A slow or absent Redis costs at most {@code redis.timeout} on a hash this instance has not seen, and
 * the client's answer is then Apollo's {@code PersistedQueryNotFound}, which it answers by sending the query.
 */
public final class SharedPersistedQueries {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.compose");

  private final Redis redis;
  private final String prefix;
  private final long timeoutMs;
  private final long ttlSeconds;
  private final Counter hits;
  private final Counter misses;
  private final Counter errors;
  private final Counter writes;
  /** Logged once per failure streak, not once per request. */
  private volatile boolean failing;

  private SharedPersistedQueries(Redis redis, FleetConfig fleet, String bff, MeterRegistry registry) {
    this.redis = redis;
    this.prefix = fleet.keyPrefix() + "apq:" + bff + ":";
    this.timeoutMs = Math.max(1, fleet.timeout().toMillis());
    this.ttlSeconds = Math.max(1, fleet.apqTtl().toSeconds());
    String name = "bff_apq_shared_total";
    String help = "APQ lookups and writes on the fleet's Redis";
    this.hits = Counter.builder(name).description(help).tag("result", "hit").register(registry);
    this.misses = Counter.builder(name).description(help).tag("result", "miss").register(registry);
    this.errors = Counter.builder(name).description(help).tag("result", "error").register(registry);
    this.writes = Counter.builder(name).description(help).tag("result", "write").register(registry);
  }

  /**
   * The shared tier of the BFF named {@code bff} for {@code fleet}, or null when the fleet shares nothing. Keys carry
   * the BFF's name: client BFFs sharing one Redis keep their registrations apart, as their schemas differ.
   */
  public static SharedPersistedQueries create(Vertx vertx, FleetConfig fleet, String bff, MeterRegistry registry) {
    if (!fleet.shared()) return null;
    // A small pool: lookups happen only for hashes an instance has not seen, writes only for new registrations.
    return new SharedPersistedQueries(Redis.createClient(vertx, FleetRedis.options(fleet, "bff-apq-" + bff, 4)), fleet, bff,
        registry);
  }

  /** The query Redis holds for {@code hash} when its SHA-256 is that hash; else null (also on errors and timeouts). */
  Future<String> get(String hash) {
    return redis.send(Request.cmd(Command.GET).arg(prefix + hash)).timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .map(r -> {
          recovered();
          String query = r == null ? null : r.toBuffer().toString(StandardCharsets.UTF_8);
          boolean valid = query != null && PersistedQueries.matches(hash, query);
          (valid ? hits : misses).increment();
          return valid ? query : null;
        })
        .otherwise(e -> {
          failed("get", e);
          return null;
        });
  }

  /** Writes a registration this instance has just learnt (fire and forget: the answer never waits for it). */
  void put(String hash, String query) {
    redis.send(Request.cmd(Command.SET).arg(prefix + hash).arg(query).arg("EX").arg(ttlSeconds))
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .onSuccess(r -> {
          recovered();
          writes.increment();
        })
        .onFailure(e -> failed("set", e));
  }

  private void failed(String op, Throwable e) {
    errors.increment();
    if (!failing) {
      failing = true;
      LOG.warning("event=apq_redis_failed op=" + op + " error=" + e.getClass().getSimpleName() + ": " + e.getMessage()
          + " effect=each instance serves the registrations it learnt itself");
    }
  }

  private void recovered() {
    if (failing) {
      failing = false;
      LOG.info("event=apq_redis_recovered");
    }
  }

  public void close() {
    redis.close();
  }
}
