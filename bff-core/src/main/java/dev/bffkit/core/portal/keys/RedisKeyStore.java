package dev.bffkit.core.portal.keys;

import dev.bffkit.core.security.ApiKeys;
import dev.bffkit.core.security.DynamicKeys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Keys in Redis: a hash per key ({@code PREFIX key:ID}, the record in field {@code json} and its
 * owner, tier and hash beside it), a set of every id ({@code PREFIX keys}) and a set per owner
 * ({@code PREFIX owner:SHA256(owner)}). A write is announced on the channel {@code PREFIX keys}; each
 * BFF re-reads every key when told, and every {@value #RESYNC_MS} ms anyway, so a lost message (a
 * reconnect) still shows within a second. No call blocks: the client is Vert.x's.
 */
final class RedisKeyStore extends KeyStore {
  static final long RESYNC_MS = 500;
  private static final Logger LOG = Logger.getLogger("dev.bffkit.portal");

  private final Vertx vertx;
  private final Redis redis;
  private final Redis subscriber;
  private final String prefix;
  private final String channel;
  private volatile RedisConnection subscription;
  private volatile boolean subscribing;
  private volatile boolean syncing;
  private volatile boolean closed;
  /** Bumped by each local write: a read that began before it is stale and not applied. */
  private final AtomicLong writes = new AtomicLong();
  private long timer = -1;

  RedisKeyStore(Vertx vertx, String url, String prefix, DynamicKeys dynamic, Set<String> scopes) {
    super(dynamic, scopes);
    this.vertx = vertx;
    this.redis = Redis.createClient(vertx, url);
    this.subscriber = Redis.createClient(vertx, url);
    this.prefix = prefix;
    this.channel = prefix + "keys";
  }

  @Override
  Future<Void> start() {
    return resync().onComplete(ar -> {
      if (ar.failed()) LOG.warning("event=portal_keys_redis_failed error=" + ar.cause().getMessage());
      subscribe();
      timer = vertx.setPeriodic(RESYNC_MS, RESYNC_MS, id -> {
        if (subscription == null) subscribe();
        resync();
      });
    }).otherwiseEmpty(); // Redis down at start: no self-service keys until it answers, the BFF starts anyway
  }

  private void subscribe() {
    if (subscribing || closed) return;
    subscribing = true;
    subscriber.connect().compose(conn -> {
      conn.handler(msg -> resync());
      conn.exceptionHandler(e -> subscription = null);
      conn.endHandler(v -> subscription = null);
      return conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel)).map(r -> conn);
    }).onComplete(ar -> {
      subscribing = false;
      if (ar.succeeded()) {
        subscription = ar.result();
        if (closed) ar.result().close();
      }
    });
  }

  /** Reads every key (ids, then each record in one batch) and applies them. */
  private Future<Void> resync() {
    if (syncing || closed) return Future.succeededFuture();
    syncing = true;
    long at = writes.get();
    return redis.send(Request.cmd(Command.SMEMBERS).arg(prefix + "keys")).compose(ids -> {
      List<Request> gets = new ArrayList<>();
      for (Response id : ids) gets.add(Request.cmd(Command.HGET).arg(prefix + "key:" + id.toString()).arg("json"));
      return gets.isEmpty() ? Future.succeededFuture(List.<Response>of()) : redis.batch(gets);
    }).map(rs -> {
      List<KeyRecord> records = new ArrayList<>();
      for (Response r : rs) {
        if (r == null) continue; // deleted between the two calls
        try {
          records.add(KeyRecord.fromStored(new JsonObject(r.toString())));
        } catch (RuntimeException e) {
          LOG.warning("event=portal_key_unreadable error=" + e.getMessage());
        }
      }
      if (writes.get() == at) apply(records);
      return (Void) null;
    }).andThen(ar -> syncing = false);
  }

  @Override
  Future<Void> put(KeyRecord r) {
    String key = prefix + "key:" + r.id();
    List<Request> batch = List.of(
        Request.cmd(Command.HSET).arg(key).arg("json").arg(r.toStored().encode()).arg("owner").arg(r.owner())
            .arg("tier").arg(r.tier()).arg("sha256").arg(r.sha256()),
        Request.cmd(Command.SADD).arg(prefix + "keys").arg(r.id()),
        Request.cmd(Command.SADD).arg(prefix + "owner:" + ApiKeys.sha256Hex(r.owner())).arg(r.id()),
        Request.cmd(Command.PUBLISH).arg(channel).arg(r.id()));
    writes.incrementAndGet();
    return redis.batch(batch).map(x -> {
      // Applied here at once; the next resync (at most RESYNC_MS away) brings other BFFs' writes.
      List<KeyRecord> next = new ArrayList<>(all());
      next.removeIf(k -> k.id().equals(r.id()));
      next.add(r);
      apply(next);
      return null;
    });
  }

  @Override
  Future<Void> close() {
    closed = true;
    if (timer >= 0) vertx.cancelTimer(timer);
    RedisConnection s = subscription;
    if (s != null) s.close();
    subscriber.close();
    redis.close();
    return Future.succeededFuture();
  }
}
