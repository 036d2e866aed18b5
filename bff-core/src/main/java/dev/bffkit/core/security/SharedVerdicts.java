package dev.bffkit.core.security;

import dev.bffkit.core.config.AuthConfig;
import dev.bffkit.core.config.FleetConfig;
import dev.bffkit.core.internal.FleetRedis;
import dev.bffkit.core.ratelimit.redis.LoopConnections;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * Introspection answers shared by the fleet (an issuer's {@code introspection.shared}) in its Redis, so an instance
 * that has not seen a token reads another's answer instead of asking the identity provider again. One key per token,
 * {@code <redis.keyPrefix>introspect:<SHA-256 of the issuer>:<SHA-256 of the token>} (never the token), living as long
 * as the verdict ({@code PX}); its value is when the writer's verdict ends (ms since the epoch), a newline, and the
 * identity provider's answer as it came. The reader judges that answer again with its own issuer settings and clock
 * ({@link IntrospectionAnswer#parse}) and ends it no later than the writer's: an instance of another config version (a
 * rolling deploy) never takes over a verdict its settings would not give, a verdict read late does not live a second
 * {@code cacheTtl}, and a value that is not such an answer is a miss, never an admission or a 503.
 *
 * <p>Redis is only ever a miss when it fails: a lookup answers within {@code redis.timeout} with the verdict or null
 * (absent, unreadable, timed out, Redis down), then the identity provider is asked; a write is fire and forget. Both
 * go over one pipelined connection per event loop ({@link LoopConnections}), as the field cache's tier does.
 *
 * <p>Whoever can write these keys can admit a token of their choice, as with any shared auth cache: the fleet's Redis
 * must be as trusted as the BFF (ACL, TLS with {@code rediss://}, not reachable by clients).
 */
final class SharedVerdicts {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.auth");
  /** Beyond the pipelined connections: sends while one reopens, and from off a loop. */
  private static final int POOL_EXTRA = 4;
  /** {@code <until>\n}: 13 digits until the year 2286, so a newline within the first 20 bytes or not a value. */
  private static final int MAX_HEADER = 20;

  private final Redis redis;
  private final LoopConnections connections;
  private final String prefix;
  private final long timeoutMs;
  private final String issuer;
  private final Counter hits;
  private final Counter misses;
  private final Counter errors;
  private final Counter writes;
  /** Logged once per failure streak, not once per request. */
  private volatile boolean failing;

  SharedVerdicts(Vertx vertx, FleetConfig fleet, String issuer, MeterRegistry registry) {
    int loops = 2 * Runtime.getRuntime().availableProcessors(); // Vert.x's default event loops, one connection each
    this.redis = Redis.createClient(vertx, FleetRedis.options(fleet, "bff-introspection", loops + POOL_EXTRA));
    this.connections = new LoopConnections(redis, 1);
    this.prefix = fleet.keyPrefix() + "introspect:" + Introspector.sha256(issuer) + ":";
    this.timeoutMs = Math.max(1, fleet.timeout().toMillis());
    this.issuer = issuer;
    String name = "bff.auth.introspection.shared";
    String help = "Introspection answers looked up in and written to the fleet's Redis";
    this.hits = Counter.builder(name).description(help).tags("issuer", issuer, "result", "hit").register(registry);
    this.misses = Counter.builder(name).description(help).tags("issuer", issuer, "result", "miss").register(registry);
    this.errors = Counter.builder(name).description(help).tags("issuer", issuer, "result", "error").register(registry);
    this.writes = Counter.builder(name).description(help).tags("issuer", issuer, "result", "write").register(registry);
  }

  /** The Redis key of the token hashed {@code key}. */
  String key(String key) {
    return prefix + key;
  }

  /** The verdict another instance stored for the token hashed {@code key}, judged here; null on a miss of any kind. */
  Future<IntrospectionAnswer.Verdict> get(String key, AuthConfig.Issuer settings) {
    return connections.send(Request.cmd(Command.GET).arg(key(key))).timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .map(r -> {
          recovered();
          IntrospectionAnswer.Verdict v = r == null ? null : decode(r.toBuffer(), settings, System.currentTimeMillis());
          (v != null ? hits : misses).increment();
          return v;
        })
        .otherwise(e -> {
          failed("get", e);
          if (e instanceof TimeoutException) connections.resetSometimes();
          return null;
        });
  }

  /** Stores the identity provider's {@code answer} until {@code untilMillis}; nothing waits for it. */
  void put(String key, Buffer answer, long untilMillis) {
    long px = untilMillis - System.currentTimeMillis();
    if (px <= 0) return;
    Buffer value = Buffer.buffer(answer.length() + MAX_HEADER).appendString(Long.toString(untilMillis))
        .appendByte((byte) '\n').appendBuffer(answer);
    connections.send(Request.cmd(Command.SET).arg(key(key)).arg(value).arg("PX").arg(px))
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .onSuccess(r -> {
          recovered();
          writes.increment();
        })
        .onFailure(e -> failed("set", e));
  }

  /**
   * A stored value judged at {@code nowMillis}: the answer's verdict, ending no later than the writer's; null when the
   * value is not {@code <until>\n<answer>}, the answer breaks RFC 7662 §2.2, or the writer's verdict has ended.
   */
  static IntrospectionAnswer.Verdict decode(Buffer value, AuthConfig.Issuer settings, long nowMillis) {
    int nl = -1;
    for (int i = 0; i < Math.min(value.length(), MAX_HEADER); i++) {
      if (value.getByte(i) == '\n') {
        nl = i;
        break;
      }
    }
    if (nl <= 0) return null;
    long until;
    try {
      until = Long.parseLong(value.getString(0, nl));
    } catch (NumberFormatException e) {
      return null;
    }
    if (until <= nowMillis) return null;
    IntrospectionAnswer.Verdict v;
    try {
      v = IntrospectionAnswer.parse(value.slice(nl + 1, value.length()), settings, nowMillis);
    } catch (IntrospectionAnswer.Malformed e) {
      return null;
    }
    return v.untilMillis() <= until ? v : new IntrospectionAnswer.Verdict(v.principal(), v.refusal(), until);
  }

  private void failed(String op, Throwable e) {
    errors.increment();
    if (!failing) {
      failing = true;
      LOG.warning("event=introspection_redis_failed issuer=" + issuer + " op=" + op + " error="
          + e.getClass().getSimpleName() + " effect=each instance asks the identity provider itself");
    }
  }

  private void recovered() {
    if (failing) {
      failing = false;
      LOG.info("event=introspection_redis_recovered issuer=" + issuer);
    }
  }

  void close() {
    connections.close();
    redis.close();
  }
}
