package dev.bffkit.core.ratelimit.redis;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * The global GCRA limiter: one {@code EVALSHA} of {@link GcraScript} per decision on a shared Redis, so every
 * BFF instance enforces the same limits.
 *
 * <p>Never a hung request: a decision takes at most the configured timeout, and its future never fails; when
 * Redis cannot answer the decision is UNAVAILABLE with the reason, for the caller's fail-open or fail-closed
 * mode. After {@code failuresToDown} consecutive timeouts or connection failures Redis is held for down and
 * decisions answer DOWN at once, without a connection attempt each; a probe ({@code SCRIPT LOAD}, which also
 * restores a flushed script cache) runs every {@code probeIntervalMillis} and brings it back. Decisions go over a
 * few pipelined connections per event loop ({@link PipelinedConnections}), reopened through vertx-redis-client's pool
 * when they end.
 *
 * <p>The healthy path is lock-free: one volatile read, the send, and on success a read of the failure counter.
 */
public final class RedisLimiter {

  private static final Logger LOG = Logger.getLogger("dev.bffkit.ratelimit");

  private final Vertx vertx;
  private final Redis redis;
  /** Per event-loop thread, so a decision is written and answered on its own loop, with no hop between threads. */
  private final ConcurrentHashMap<Thread, PipelinedConnections> connections = new ConcurrentHashMap<>();
  private final int connectionsPerLoop;
  private final long timeoutMillis;
  private final int failuresToDown;
  private final AtomicInteger failures = new AtomicInteger();
  private final long probeTimer;
  private volatile boolean healthy;
  private volatile boolean closed;

  private RedisLimiter(Vertx vertx, RedisLimiterOptions options) {
    this.vertx = vertx;
    this.redis = Redis.createClient(vertx, options.toRedisOptions());
    this.connectionsPerLoop = options.connections();
    this.timeoutMillis = options.timeoutMillis();
    this.failuresToDown = options.failuresToDown();
    this.probeTimer = vertx.setPeriodic(options.probeIntervalMillis(), id -> probe());
  }

  /**
   * Creates the limiter and loads the script. The future always succeeds: a Redis that is down at start leaves
   * the limiter unhealthy (decisions answer DOWN) until its probe reaches Redis.
   */
  public static Future<RedisLimiter> start(Vertx vertx, RedisLimiterOptions options) {
    RedisLimiter limiter = new RedisLimiter(vertx, options);
    return limiter.probe().map(ok -> limiter);
  }

  /**
   * Decides one request against limits {@code 0..n-1}: key i with emission interval {@code intervalsMicros[i]}
   * (T = period / rate) and burst tolerance {@code tolerancesMicros[i]} (τ = (burst − 1)·T). All-or-nothing: the
   * request is counted against every limit or none. Keys must be non-empty and built by the caller from checked
   * input (they go to Redis as they are).
   */
  public Future<RedisDecision> decide(List<String> keys, long[] intervalsMicros, long[] tolerancesMicros) {
    return decide(keys, intervalsMicros, tolerancesMicros, null);
  }

  /**
   * As above, and when {@code metering} is given, the request is also checked against the caller's quota and, when
   * allowed, counted in its usage hash, in the same atomic step ({@link RedisDecision#used()}).
   */
  public Future<RedisDecision> decide(List<String> keys, long[] intervalsMicros, long[] tolerancesMicros,
      Metering metering) {
    int n = keys.size();
    if ((n == 0 && metering == null) || intervalsMicros.length != n || tolerancesMicros.length != n) {
      throw new IllegalArgumentException("need one interval and one tolerance per key: keys=" + n
          + " intervals=" + intervalsMicros.length + " tolerances=" + tolerancesMicros.length);
    }
    if (!healthy) {
      return Future.succeededFuture(RedisDecision.DOWN);
    }
    Request eval = Request.cmd(Command.EVALSHA).arg(GcraScript.SHA1).arg(metering == null ? n : n + 1);
    for (int i = 0; i < n; i++) {
      String key = keys.get(i);
      if (key == null || key.isEmpty()) {
        throw new IllegalArgumentException("limit " + i + ": empty key");
      }
      eval.arg(key);
    }
    if (metering != null) eval.arg(metering.key());
    eval.arg(n);
    for (int i = 0; i < n; i++) {
      if (intervalsMicros[i] <= 0 || tolerancesMicros[i] < 0) {
        throw new IllegalArgumentException("limit " + i + ": interval must be > 0 and tolerance >= 0, got "
            + intervalsMicros[i] + ", " + tolerancesMicros[i]);
      }
      eval.arg(intervalsMicros[i]).arg(tolerancesMicros[i]);
    }
    if (metering != null) {
      eval.arg(metering.quota()).arg(metering.reject() ? 1 : 0).arg(metering.expireAtEpochSeconds())
          .arg(metering.field());
    }
    return connections().send(eval)
        .recover(err -> isNoScript(err) ? reloadAndSend(eval) : Future.failedFuture(err))
        .timeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .transform(ar -> Future.succeededFuture(ar.succeeded() ? decided(ar.result(), n) : failed(ar.cause())));
  }

  /**
   * A caller's usage in its billing period: the hash {@code key} counts {@code total} and {@code field} (the
   * route); with {@code quota > 0} and {@code reject}, a request past the quota is refused. The hash expires at
   * {@code expireAtEpochSeconds} (after the period, once billing has read it).
   */
  public record Metering(String key, long quota, boolean reject, long expireAtEpochSeconds, String field) {}

  /** Convenience for one limit. */
  public Future<RedisDecision> decide(String key, long intervalMicros, long toleranceMicros) {
    return decide(List.of(key), new long[] {intervalMicros}, new long[] {toleranceMicros});
  }

  /**
   * Opens the calling event loop's connections now (a server verticle's start), so its first decision does not wait
   * for a connection and its handshake.
   */
  public void preconnect() {
    if (!closed) connections().preconnect();
  }

  /** False while Redis is held for down: decisions then answer UNAVAILABLE/DOWN without trying. */
  public boolean healthy() {
    return healthy;
  }

  public Future<Void> close() {
    closed = true;
    healthy = false;
    vertx.cancelTimer(probeTimer);
    connections.values().forEach(PipelinedConnections::close);
    return redis.close();
  }

  /**
   * This thread's connections. vertx-redis-client binds a connection to the context that opened it and hops to it
   * for every command and answer; opened from the calling loop, they cost no hop (measured: ~7 µs of the ~30 µs a
   * decision cost the BFF when shared by two loops).
   */
  private PipelinedConnections connections() {
    Thread t = Thread.currentThread();
    PipelinedConnections c = connections.get(t);
    return c != null ? c : connections.computeIfAbsent(t, x -> new PipelinedConnections(redis, connectionsPerLoop));
  }

  /** A Redis restart (or {@code SCRIPT FLUSH}) empties the script cache: load it again and retry once. */
  private Future<Response> reloadAndSend(Request eval) {
    LOG.info("event=redis_script_reload reason=NOSCRIPT");
    return loadScript().compose(sha -> connections().send(eval));
  }

  private Future<String> loadScript() {
    return redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(GcraScript.SOURCE)).map(r -> {
      String sha = r == null ? null : r.toString();
      if (!GcraScript.SHA1.equals(sha)) {
        throw new IllegalStateException("SCRIPT LOAD returned " + sha + ", expected " + GcraScript.SHA1);
      }
      return sha;
    });
  }

  /** Loads the script (also a health check); the future always succeeds. */
  private Future<Void> probe() {
    if (closed) {
      return Future.succeededFuture();
    }
    return loadScript().timeout(Math.max(timeoutMillis, 1000), TimeUnit.MILLISECONDS).transform(ar -> {
      if (ar.succeeded()) {
        failures.set(0);
        if (!healthy && !closed) {
          healthy = true;
          LOG.info("event=redis_limiter_up");
        }
      } else {
        markDown("probe", ar.cause());
      }
      return Future.succeededFuture();
    });
  }

  private RedisDecision decided(Response r, int n) {
    if (failures.get() != 0) {
      failures.set(0);
    }
    if (r == null || r.type() != ResponseType.MULTI || r.size() != 4 + 2 * n) {
      LOG.warning("event=redis_limiter_bad_reply reply_size=" + (r == null ? -1 : r.size()) + " limits=" + n);
      return RedisDecision.ERROR;
    }
    long[] remaining = new long[n];
    long[] reset = new long[n];
    for (int i = 0; i < n; i++) {
      remaining[i] = r.get(4 + 2 * i).toLong();
      reset[i] = r.get(5 + 2 * i).toLong();
    }
    boolean allowed = r.get(0).toLong() == 1;
    return new RedisDecision(allowed ? RedisDecision.Outcome.ALLOWED : RedisDecision.Outcome.REFUSED,
        RedisDecision.Failure.NONE, allowed ? 0 : r.get(1).toLong(), r.get(2).toLong() == 1, r.get(3).toLong(),
        remaining, reset);
  }

  private RedisDecision failed(Throwable err) {
    RedisDecision d = classify(err);
    if (d == RedisDecision.TIMEOUT || d == RedisDecision.UNREACHABLE) {
      if (failures.incrementAndGet() >= failuresToDown && healthy) {
        markDown("decisions", err);
      }
    }
    return d;
  }

  private void markDown(String by, Throwable err) {
    if (healthy) {
      healthy = false;
      connections.values().forEach(PipelinedConnections::reset);
      LOG.warning("event=redis_limiter_down by=" + by + " error=" + oneLine(err));
    }
  }

  static RedisDecision classify(Throwable err) {
    if (err instanceof TimeoutException) {
      return RedisDecision.TIMEOUT;
    }
    if (err instanceof ConnectionPoolTooBusyException
        || String.valueOf(err.getMessage()).startsWith("Redis waiting queue is full")) {
      return RedisDecision.OVERLOADED;
    }
    if (err instanceof Response) {
      // Redis answered; these errors say it cannot serve now, the others are about the call itself.
      String m = String.valueOf(err.getMessage());
      return m.startsWith("LOADING") || m.startsWith("BUSY") || m.startsWith("MASTERDOWN")
          || m.startsWith("TRYAGAIN") || m.startsWith("CLUSTERDOWN") || m.startsWith("CONNECTION_CLOSED")
          ? RedisDecision.UNREACHABLE : RedisDecision.ERROR;
    }
    if (err instanceof IllegalStateException || err instanceof IllegalArgumentException) {
      return RedisDecision.ERROR;
    }
    return RedisDecision.UNREACHABLE;
  }

  private static boolean isNoScript(Throwable err) {
    return err instanceof Response && String.valueOf(err.getMessage()).startsWith("NOSCRIPT");
  }

  private static String oneLine(Throwable err) {
    String m = err == null ? "none" : err.getClass().getSimpleName() + ":" + err.getMessage();
    return m.replace('\n', ' ').replace(' ', '_');
  }
}
