package dev.bffkit.core.ratelimit.redis;

import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;

/**
 * Settings of the global limiter: where Redis is, how many connections, how long a decision may take, and how
 * Redis's health is judged. Defaults suit one local standalone Redis.
 */
public final class RedisLimiterOptions {

  private String connectionString = "redis://127.0.0.1:6379/0";
  private RedisClientType type = RedisClientType.STANDALONE;
  private String masterName = "mymaster";
  private int connections = 1;
  private int eventLoops = 2 * Runtime.getRuntime().availableProcessors(); // Vert.x's default
  private int poolSize = 4;
  private int poolWaiting = 1024;
  private int maxWaitingHandlers = 2048;
  private long timeoutMillis = 50;
  private long probeIntervalMillis = 1000;
  private String poolName = "ratelimit";
  private int failuresToDown = 3;

  /** {@code redis://[user:password@]host:port/db}; for Sentinel or Cluster, several, comma-separated. */
  public RedisLimiterOptions connectionString(String value) { this.connectionString = value; return this; }

  /** STANDALONE (default), SENTINEL (with {@link #masterName}) or CLUSTER. */
  public RedisLimiterOptions type(RedisClientType value) { this.type = value; return this; }

  public RedisLimiterOptions masterName(String value) { this.masterName = value; return this; }

  /** Long-lived connections per event loop the decisions are pipelined on (2 in all carry ~100 k decisions/s). */
  public RedisLimiterOptions connections(int value) { this.connections = positive("connections", value); return this; }

  /**
   * vertx-redis-client's pool (one command at a time per connection): the probe, script loads, and decisions
   * while a pipelined connection is being reopened: connections beyond the pipelined ones.
   */
  public RedisLimiterOptions poolSize(int value) { this.poolSize = positive("poolSize", value); return this; }

  /** Decisions that may wait for a pooled connection; beyond them a decision is OVERLOADED at once. */
  public RedisLimiterOptions poolWaiting(int value) { this.poolWaiting = positive("poolWaiting", value); return this; }

  /** Commands that may wait for their reply on one connection. */
  public RedisLimiterOptions maxWaitingHandlers(int value) {
    this.maxWaitingHandlers = positive("maxWaitingHandlers", value);
    return this;
  }

  /** The most a decision may take, NOSCRIPT reload included; then it is UNAVAILABLE/TIMEOUT. */
  public RedisLimiterOptions timeoutMillis(long value) { this.timeoutMillis = positive("timeoutMillis", value); return this; }

  /** How often the limiter checks Redis (and reloads the script); a down Redis is retried this often. */
  public RedisLimiterOptions probeIntervalMillis(long value) {
    this.probeIntervalMillis = positive("probeIntervalMillis", value);
    return this;
  }

  /** Consecutive decisions that timed out or found no connection before Redis is held for down. */
  public RedisLimiterOptions failuresToDown(int value) { this.failuresToDown = positive("failuresToDown", value); return this; }

  /** The pool's name in the process's {@code vertx_pool_*} meters, e.g. {@code ratelimit-ios}. */
  public RedisLimiterOptions poolName(String value) { this.poolName = value; return this; }

  /** The most event loops that decide (each holds its own pipelined connections). */
  public RedisLimiterOptions eventLoops(int value) { this.eventLoops = positive("eventLoops", value); return this; }

  public String connectionString() { return connectionString; }

  public int connections() { return connections; }

  public long timeoutMillis() { return timeoutMillis; }

  public long probeIntervalMillis() { return probeIntervalMillis; }

  public int failuresToDown() { return failuresToDown; }

  /** The vertx-redis-client options these settings stand for. */
  RedisOptions toRedisOptions() {
    RedisOptions o = new RedisOptions()
        .setType(type)
        .setMaxPoolSize(poolSize + connections * eventLoops) // the pipelined connections are leased from the same pool
        .setMaxPoolWaiting(poolWaiting)
        .setMaxWaitingHandlers(maxWaitingHandlers)
        // Named, so its pool meters (vertx_pool_*{pool_type="redis"}) are one series per limiter, not a clash.
        .setPoolName(poolName);
    for (String endpoint : connectionString.split(",")) {
      o.addConnectionString(endpoint.trim());
    }
    if (type == RedisClientType.SENTINEL) {
      o.setMasterName(masterName);
    }
    return o;
  }

  private static int positive(String name, int value) {
    if (value <= 0) throw new IllegalArgumentException(name + " must be > 0, got " + value);
    return value;
  }

  private static long positive(String name, long value) {
    if (value <= 0) throw new IllegalArgumentException(name + " must be > 0, got " + value);
    return value;
  }
}
