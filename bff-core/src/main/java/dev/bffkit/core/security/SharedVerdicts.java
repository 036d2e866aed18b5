package dev.bffkit.core.security;

import dev.bffkit.core.config.FleetConfig;
import dev.bffkit.core.internal.FleetRedis;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Introspection answers shared by the fleet (an issuer's {@code introspection.shared}) in its Redis: the identity
 * provider's own answer bytes under the token's SHA-256, for as long as the verdict holds, so an instance that has
 * not seen a token reads another's answer instead of asking again. Each reader judges the answer itself at its own
 * clock. Bounded by the fleet's timeout: a slow or dead Redis is only a miss, a write is fire and forget.
 */
final class SharedVerdicts {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.auth");

  private final Redis redis;
  private final String prefix;
  private final long timeoutMs;
  private final Counter hits;
  private final Counter misses;
  private final Counter errors;
  private volatile boolean failing;

  SharedVerdicts(Vertx vertx, FleetConfig fleet, String issuer, MeterRegistry registry) {
    // A small pool: only tokens this instance has not seen come here.
    this.redis = Redis.createClient(vertx, FleetRedis.options(fleet, "bff-introspection", 4));
    this.prefix = fleet.keyPrefix() + "introspect:" + Introspector.sha256(issuer) + ":";
    this.timeoutMs = Math.max(1, fleet.timeout().toMillis());
    String name = "bff.auth.introspection.shared";
    String help = "Introspection answers looked up in the fleet's Redis";
    this.hits = Counter.builder(name).description(help).tags("issuer", issuer, "result", "hit").register(registry);
    this.misses = Counter.builder(name).description(help).tags("issuer", issuer, "result", "miss").register(registry);
    this.errors = Counter.builder(name).description(help).tags("issuer", issuer, "result", "error").register(registry);
  }

  /** The answer stored for the token hashed {@code key}, or null (absent, or Redis failed or was slow). */
  Future<Buffer> get(String key) {
    return redis.send(Request.cmd(Command.GET).arg(prefix + key)).timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .map(r -> {
          recovered();
          (r == null ? misses : hits).increment();
          return r == null ? null : r.toBuffer();
        })
        .otherwise(e -> {
          failed("get", e);
          return null;
        });
  }

  /** Stores an answer for {@code ttlMillis}; nothing waits for it. */
  void put(String key, Buffer answer, long ttlMillis) {
    if (ttlMillis <= 0) return;
    redis.send(Request.cmd(Command.SET).arg(prefix + key).arg(answer).arg("PX").arg(ttlMillis))
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .onSuccess(r -> recovered())
        .onFailure(e -> failed("set", e));
  }

  private void failed(String op, Throwable e) {
    errors.increment();
    if (!failing) {
      failing = true;
      LOG.warning("event=introspection_redis_failed op=" + op + " error=" + e.getClass().getSimpleName()
          + " effect=each instance asks the identity provider itself");
    }
  }

  private void recovered() {
    if (failing) {
      failing = false;
      LOG.info("event=introspection_redis_recovered");
    }
  }

  void close() {
    redis.close();
  }
}
