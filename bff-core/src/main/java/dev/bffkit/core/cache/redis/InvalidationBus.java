package dev.bffkit.core.cache.redis;

import dev.bffkit.core.cache.RemoteTier.Invalidation;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Invalidations between the instances of one BFF: PUBLISH on {@code <prefix>invalidate}, and one dedicated
 * connection SUBSCRIBEd to it, so every instance (the publisher too) clears its local tier. A message is {@code p}
 * or {@code t} followed by the prefix or tag, UTF-8.
 *
 * <p>Pub/sub does not queue: what is published while an instance is away is lost to it. So when the subscription
 * comes back after a loss, the listeners get {@code Invalidation("", null)} (every key starts with the empty prefix)
 * and the instance drops its local entries rather than serve one an operator invalidated. The connection is reopened
 * with backoff, 100 ms doubling to 5 s, jittered so a fleet does not reconnect in step.
 */
final class InvalidationBus {
  static final long FIRST_BACKOFF_MS = 100;
  static final long MAX_BACKOFF_MS = 5000;
  /** Handed to listeners after a resubscription: everything may be stale. */
  static final Invalidation EVERYTHING = new Invalidation("", null);

  private final Vertx vertx;
  /** The subscription's state lives on one event loop: connect, handlers and timers all run here. */
  private final Context context;
  private final Redis publisher;
  private final Redis subscriber;
  private final String channel;
  private final long publishTimeoutMs;
  private final RedisTierMeters meters;
  private final List<Consumer<Invalidation>> listeners = new CopyOnWriteArrayList<>();
  private final Promise<Void> firstSubscription = Promise.promise();
  private volatile RedisConnection connection;
  private volatile boolean closed;
  // on the context only
  private long backoffMs = FIRST_BACKOFF_MS;
  /** A subscription was held before: the next one follows a gap in which messages may have been lost. */
  private boolean subscribedBefore;
  private boolean lostSinceSubscribed;

  InvalidationBus(Vertx vertx, Redis publisher, Redis subscriber, String channel, long publishTimeoutMs,
      RedisTierMeters meters) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.publisher = publisher;
    this.subscriber = subscriber;
    this.channel = channel;
    this.publishTimeoutMs = publishTimeoutMs;
    this.meters = meters;
  }

  void start() {
    context.runOnContext(v -> connect());
  }

  /** Completes when the first SUBSCRIBE is confirmed (tests and start-up logs; nothing waits for it). */
  Future<Void> subscribed() {
    return firstSubscription.future();
  }

  void listen(Consumer<Invalidation> listener) {
    listeners.add(listener);
  }

  Future<Void> publish(Invalidation inv) {
    String message = inv.tag() != null ? "t" + inv.tag() : "p" + inv.prefix();
    return publisher.send(Request.cmd(Command.PUBLISH).arg(channel).arg(message))
        .timeout(publishTimeoutMs, TimeUnit.MILLISECONDS)
        .<Void>mapEmpty()
        .onFailure(e -> meters.bus.failed("publish", e));
  }

  static Invalidation parse(String message) {
    if (message == null || message.isEmpty()) return null;
    String rest = message.substring(1);
    return switch (message.charAt(0)) {
      case 'p' -> new Invalidation(rest, null);
      case 't' -> new Invalidation(null, rest);
      default -> null;
    };
  }

  void close() {
    closed = true;
    RedisConnection c = connection;
    connection = null;
    if (c != null) c.close();
    subscriber.close();
  }

  private void connect() {
    if (closed) return;
    subscriber.connect().onComplete(ar -> {
      if (ar.failed()) {
        retry("connect", ar.cause());
        return;
      }
      RedisConnection c = ar.result();
      if (closed) {
        c.close();
        return;
      }
      connection = c;
      c.handler(this::onMessage);
      c.exceptionHandler(e -> lost(c, "connection", e));
      c.endHandler(v -> lost(c, "connection", new IllegalStateException("connection closed")));
      c.send(Request.cmd(Command.SUBSCRIBE).arg(channel)).onFailure(e -> lost(c, "subscribe", e));
    });
  }

  /** Once per connection (end and exception may both fire): count, log once per streak, reconnect later. */
  private void lost(RedisConnection c, String op, Throwable e) {
    if (connection != c) return;
    connection = null;
    c.close();
    retry(op, e);
  }

  private void retry(String op, Throwable e) {
    if (closed) return;
    lostSinceSubscribed = true;
    meters.bus.failed(op, e);
    long delay = backoffMs + ThreadLocalRandom.current().nextLong(backoffMs / 5 + 1);
    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
    vertx.setTimer(delay, t -> connect());
  }

  /** Pushes on the subscribed connection: ["subscribe", channel, n] and ["message", channel, payload]. */
  private void onMessage(Response r) {
    if (r == null || r.size() < 3) return;
    String kind = r.get(0).toString();
    if ("subscribe".equals(kind)) {
      backoffMs = FIRST_BACKOFF_MS;
      meters.bus.recovered();
      boolean gap = subscribedBefore && lostSinceSubscribed;
      subscribedBefore = true;
      lostSinceSubscribed = false;
      firstSubscription.tryComplete();
      if (gap) deliver(EVERYTHING);
    } else if ("message".equals(kind) && channel.equals(r.get(1).toString())) {
      Response payload = r.get(2);
      Invalidation inv = payload == null ? null : parse(payload.toString(StandardCharsets.UTF_8));
      if (inv == null) {
        meters.corrupt.increment();
        return;
      }
      deliver(inv);
    }
  }

  private void deliver(Invalidation inv) {
    for (Consumer<Invalidation> l : listeners) {
      try {
        l.accept(inv);
      } catch (RuntimeException e) {
        RedisTierMeters.LOG.warning("event=field_cache_invalidation_listener_failed error="
            + e.getClass().getSimpleName() + ": " + e.getMessage());
      }
    }
  }
}
