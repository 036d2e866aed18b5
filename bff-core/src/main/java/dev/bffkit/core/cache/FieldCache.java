package dev.bffkit.core.cache;

import dev.bffkit.core.config.CacheConfig;
import dev.bffkit.core.config.FleetConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The field cache of one running BFF: shared by its event loops and kept across reloads. Knows nothing of GraphQL:
 * the compose side hands it a key, a policy and a way to load the upstream bytes.
 *
 * <p>A lookup tries the local tier, then (on a local miss) the shared tier, then the service, with at most one load
 * per key in flight ({@link SingleFlight}). A fresh entry is served; a stale one within stale-while-revalidate is
 * served while one background load refreshes it; within stale-if-error it is served only when the load fails in a
 * way {@link Ask#staleReason} accepts (a service failure, never a 4xx). Results are delivered on the caller's
 * context: a follower's future may otherwise complete on the leader's event loop.
 */
public final class FieldCache {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.cache");

  /** How a lookup was answered. */
  public enum Source { HIT, MISS, COALESCED, STALE, STALE_IF_ERROR }

  /** A load's answer: the upstream bytes, and whether they may be kept (not past maxEntryBytes, no no-store). */
  public record Fill(Buffer bytes, boolean storable) {}

  /**
   * One lookup. {@code load} calls the service (detached from the client's cancellation: it may serve followers);
   * {@code staleReason} names a failure that a stale answer may cover (null: it may not, e.g. a 4xx);
   * {@code waitMillis} bounds a follower's wait for another request's load.
   */
  public record Ask(String field, String key, CachePolicy policy, Set<String> tags, Supplier<Future<Fill>> load,
      Function<Throwable, String> staleReason, long waitMillis) {}

  /**
   * The answer's bytes and where they came from: {@code ageMillis} since stored, {@code freshForMillis} left of
   * maxAge (0 when stale), {@code reason} why a stale answer was served on error.
   */
  public record Lookup(Buffer value, Source source, long ageMillis, long freshForMillis, String reason) {}

  /** How many entries an invalidation dropped here and on the shared tier (-1: no shared tier). */
  public record Invalidated(long local, long remote) {}

  /**
   * The local tier was cleared but the shared tier failed (Redis down): its entries remain and the other instances
   * were not told, so the caller must not report success (retry once Redis is back).
   */
  public static final class SharedInvalidationFailed extends RuntimeException {
    private final long local;

    SharedInvalidationFailed(long local, Throwable cause) {
      super("the shared tier failed: " + cause.getMessage(), cause, false, false);
      this.local = local;
    }

    public long local() {
      return local;
    }
  }

  /** A follower waited longer than its own budget for another request's load. */
  public static final class WaitTimeout extends RuntimeException {
    WaitTimeout(String field) {
      super("waited past the deadline for " + field, null, false, false);
    }
  }

  private record Fetched(CachedEntry entry, boolean upstream) {}

  private final CacheConfig config;
  private final LongSupplier clock;
  private final LocalTier local;
  private final RemoteTier remote;
  private final SingleFlight<Fetched> flights = new SingleFlight<>();
  private final CacheMeters meters;

  public FieldCache(CacheConfig config, RemoteTier remote, MeterRegistry registry, LongSupplier clockMillis) {
    this.config = config;
    this.clock = clockMillis;
    this.local = new LocalTier(config.maxBytes(), clockMillis);
    this.remote = remote;
    this.meters = new CacheMeters(registry, local);
    if (remote != null) {
      remote.onInvalidation(inv -> {
        if (inv.prefix() != null) local.invalidatePrefix(inv.prefix());
        else if (inv.tag() != null) local.invalidateTag(inv.tag());
      });
    }
  }

  /** The BFF's cache, with the shared tier its config asks for (a tier that fails to start: local only, logged). */
  public static FieldCache create(Vertx vertx, CacheConfig config, FleetConfig fleet, String bff, MeterRegistry registry) {
    RemoteTier remote = null;
    if (config.enabled()) {
      try {
        remote = RemoteTiers.create(vertx, config, fleet, bff, registry);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "event=field_cache_remote_failed bff=" + bff + " error=" + e.getMessage());
      }
    }
    return new FieldCache(config, remote, registry, System::currentTimeMillis);
  }

  public boolean enabled() {
    return config.enabled();
  }

  public CacheConfig config() {
    return config;
  }

  /** Makes a field's meters now (start-up), so they scrape as 0 before the first lookup. */
  public void register(String field) {
    meters.field(field);
  }

  /** True for the first stale-if-error answer of a streak (the caller logs it once; the next good load ends it). */
  public boolean staleStreakStarted(String field) {
    return meters.field(field).covering.compareAndSet(false, true);
  }

  /** Drops one local entry whose bytes the field could not read (so a bad answer is not served again). */
  public void forget(String key) {
    local.remove(key);
  }

  /** Counts a lookup that skipped the cache (a PRIVATE field with no principal). */
  public void bypassed(String field) {
    meters.field(field).bypass();
  }

  public Future<Lookup> get(Ask a, Context caller) {
    CacheMeters.Field m = meters.field(a.field());
    long now = clock.getAsLong();
    CachedEntry seen = local.get(a.key());
    if (seen != null) {
      CachedEntry.State s = seen.state(now);
      if (s == CachedEntry.State.FRESH) {
        m.hit();
        return Future.succeededFuture(lookup(seen, Source.HIT, now, null));
      }
      if (s == CachedEntry.State.STALE) {
        m.stale();
        revalidate(a, m, caller);
        return Future.succeededFuture(lookup(seen, Source.STALE, now, null));
      }
      // STALE_IF_ERROR: kept only as the answer to a failing load below
    }
    SingleFlight.Flight<Fetched> flight = flights.join(a.key(), () -> fetch(a, caller));
    if (!flight.leader()) m.coalesced();
    Promise<Lookup> out = Promise.promise();
    long timer = !flight.leader() && caller != null && a.waitMillis() > 0 && a.waitMillis() < Long.MAX_VALUE / 2
        ? caller.owner().setTimer(a.waitMillis(), t -> out.tryFail(new WaitTimeout(a.field()))) : -1;
    flight.future().onComplete(ar -> onCaller(caller, () -> {
      if (timer >= 0) caller.owner().cancelTimer(timer);
      settle(a, m, flight.leader(), seen, ar, out);
    }));
    return out.future();
  }

  private void settle(Ask a, CacheMeters.Field m, boolean leader, CachedEntry seen, AsyncResult<Fetched> ar,
      Promise<Lookup> out) {
    long now = clock.getAsLong();
    if (ar.succeeded()) {
      Fetched f = ar.result();
      if (leader) {
        if (f.upstream()) m.miss();
        else m.hit();
      }
      if (f.upstream() && m.covering.get() && m.covering.compareAndSet(true, false)) {
        LOG.info("event=field_cache_stale_if_error_ended field=" + a.field());
      }
      out.tryComplete(lookup(f.entry(), !leader ? Source.COALESCED : f.upstream() ? Source.MISS : Source.HIT, now, null));
      return;
    }
    String reason = seen == null ? null : a.staleReason().apply(ar.cause());
    if (reason != null && seen.state(now) != CachedEntry.State.EXPIRED) {
      m.staleIfError();
      out.tryComplete(lookup(seen, Source.STALE_IF_ERROR, now, reason));
    } else {
      if (leader) m.miss();
      out.tryFail(ar.cause());
    }
  }

  /** One background load for a stale entry, unless one is in flight already. */
  private void revalidate(Ask a, CacheMeters.Field m, Context caller) {
    if (flights.flying(a.key())) return;
    SingleFlight.Flight<Fetched> flight = flights.join(a.key(), () -> fetch(a, caller));
    if (!flight.leader()) return;
    flight.future().onComplete(ar -> {
      m.revalidated(ar.succeeded());
      if (ar.failed()) {
        LOG.fine(() -> "event=field_cache_revalidate_failed field=" + a.field() + " error=" + ar.cause().getMessage());
      }
    });
  }

  /** The leader's load: the shared tier first (its failures are misses), then the service; fills both tiers. */
  private Future<Fetched> fetch(Ask a, Context caller) {
    if (remote == null) return upstream(a);
    Future<CachedEntry> shared;
    try {
      shared = remote.get(a.key()).otherwise((CachedEntry) null);
    } catch (RuntimeException e) {
      shared = Future.succeededFuture();
    }
    Promise<Fetched> p = Promise.promise();
    shared.onComplete(ar -> onCaller(caller, () -> {
      CachedEntry e = ar.succeeded() ? ar.result() : null;
      if (e != null && e.state(clock.getAsLong()) == CachedEntry.State.FRESH) {
        local.put(a.key(), e);
        p.complete(new Fetched(e, false));
      } else {
        upstream(a).onComplete(p);
      }
    }));
    return p.future();
  }

  private Future<Fetched> upstream(Ask a) {
    Future<Fill> load;
    try {
      load = a.load().get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return load.map(fill -> {
      CachedEntry e = CachedEntry.of(fill.bytes(), clock.getAsLong(), a.policy(), a.tags());
      long size = fill.bytes().length();
      if (fill.storable() && size <= config.maxEntryBytes()) {
        local.put(a.key(), e);
        if (remote != null && size <= config.redis().maxEntryBytes()) {
          try {
            remote.put(a.key(), e);
          } catch (RuntimeException ignored) {
            // the shared tier's writes are fire and forget
          }
        }
      }
      return new Fetched(e, true);
    });
  }

  private static Lookup lookup(CachedEntry e, Source source, long now, String reason) {
    long age = e.ageMillis(now);
    return new Lookup(e.value(), source, age, Math.max(0, e.maxAgeMillis() - age), reason);
  }

  private static void onCaller(Context caller, Runnable r) {
    if (caller == null || Vertx.currentContext() == caller) r.run();
    else caller.runOnContext(v -> r.run());
  }

  // ------------------------------------------------------------------ admin

  public Future<Invalidated> invalidatePrefix(String prefix) {
    meters.invalidated(true);
    long n = local.invalidatePrefix(prefix);
    if (remote == null) return Future.succeededFuture(new Invalidated(n, -1));
    return remote.invalidatePrefix(prefix).map(r -> new Invalidated(n, r))
        .recover(e -> Future.failedFuture(new SharedInvalidationFailed(n, e)));
  }

  public Future<Invalidated> invalidateTag(String tag) {
    meters.invalidated(false);
    long n = local.invalidateTag(tag);
    if (remote == null) return Future.succeededFuture(new Invalidated(n, -1));
    return remote.invalidateTag(tag).map(r -> new Invalidated(n, r))
        .recover(e -> Future.failedFuture(new SharedInvalidationFailed(n, e)));
  }

  /** For {@code GET /cache}: sizes and per-field counts. */
  public JsonObject stats() {
    JsonObject fields = new JsonObject();
    for (Map.Entry<String, Map<String, Long>> f : meters.counts().entrySet()) {
      fields.put(f.getKey(), new JsonObject(Map.copyOf(f.getValue())));
    }
    return new JsonObject()
        .put("enabled", config.enabled())
        .put("entries", local.size())
        .put("bytes", local.weight())
        .put("maxBytes", config.maxBytes())
        .put("tags", local.tagCount())
        .put("inFlight", flights.size())
        .put("shared", remote != null)
        .put("fields", fields);
  }

  public Future<Void> close() {
    return remote == null ? Future.succeededFuture() : remote.close();
  }
}
