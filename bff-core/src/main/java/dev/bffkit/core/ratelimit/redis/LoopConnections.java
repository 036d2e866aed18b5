package dev.bffkit.core.ratelimit.redis;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link PipelinedConnections} per event-loop thread, opened from that loop, so a command is written and answered
 * on the loop that sent it with no hop (vertx-redis-client binds a connection to the context that opened it); off a
 * loop (a worker, a test thread) the pool. The request path of every Redis lookup that must not wait on a pool:
 * the field cache's shared tier, introspection verdicts.
 */
public final class LoopConnections {
  /** While lookups time out, the connections are dropped (one may be half-open) at most this often. */
  static final long RESET_EVERY_MS = 1000;

  private final Redis redis;
  private final int perLoop;
  private final ConcurrentHashMap<Thread, PipelinedConnections> byLoop = new ConcurrentHashMap<>();
  private volatile long lastReset;

  public LoopConnections(Redis redis, int perLoop) {
    this.redis = redis;
    this.perLoop = perLoop;
  }

  public Future<Response> send(Request r) {
    if (!Context.isOnEventLoopThread()) return redis.send(r);
    Thread t = Thread.currentThread();
    PipelinedConnections c = byLoop.get(t);
    if (c == null) c = byLoop.computeIfAbsent(t, x -> new PipelinedConnections(redis, perLoop));
    return c.send(r);
  }

  /** A hung Redis fills a pipelined connection's queue; a half-open one never answers: start afresh, not too often. */
  public void resetSometimes() {
    long now = System.currentTimeMillis();
    if (now - lastReset >= RESET_EVERY_MS) {
      lastReset = now;
      byLoop.values().forEach(PipelinedConnections::reset);
    }
  }

  public void close() {
    byLoop.values().forEach(PipelinedConnections::close);
  }
}
