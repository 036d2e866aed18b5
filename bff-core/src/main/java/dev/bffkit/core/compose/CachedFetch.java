package dev.bffkit.core.compose;

import dev.bffkit.core.cache.FieldCache;
import dev.bffkit.core.observe.RequestLog;
import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.upstream.UpstreamException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A {@code @cache} field's call through the {@link FieldCache}: the key from the rendered request (service, method,
 * path and query, a digest of the body or gRPC message and metadata, and for PRIVATE the caller), the load detached
 * from the client's cancellation (it may serve followers), and the answer noted in the request's {@link CacheTrack}.
 * The cache keeps the service's bytes; every hit parses them for its own selection.
 */
final class CachedFetch {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.compose");

  private CachedFetch() {}

  /**
   * Which failures a stale answer may cover: a service that is down, slow, failing (5xx) or shed by its breaker or
   * bulkhead. Never a 4xx (the request is wrong, not the service) nor the client's own leaving.
   */
  static final Function<Throwable, String> STALE_REASON = t -> {
    Throwable e = FieldErrors.unwrap(t);
    if (e instanceof FetchFailure f) return f.status >= 500 ? "UPSTREAM_ERROR" : null;
    if (e instanceof FieldCache.WaitTimeout) return "UPSTREAM_TIMEOUT";
    if (e instanceof UpstreamException u) {
      return switch (u.kind()) {
        case TIMEOUT -> "UPSTREAM_TIMEOUT";
        case BREAKER_OPEN -> "BREAKER_OPEN";
        case CONNECT, RESET, UNAVAILABLE, OVERLOADED -> "UPSTREAM_UNAVAILABLE";
        default -> null;
      };
    }
    return null;
  };

  /**
   * Whether this request's call of {@code b} goes through the cache: it is on and the field cached; a PRIVATE
   * field needs a caller (an anonymous one bypasses, counted).
   */
  static boolean applies(RestBinding b, ComposeContext cx) {
    if (b.cache() == null || cx.cache() == null) return false;
    if (!b.cache().isPublic() && cx.principal() == null) {
      cx.cache().bypassed(b.coordinates());
      return false;
    }
    return true;
  }

  /** The key's text; admin prefixes are written in it, e.g. {@code recommendations GET /rows?user=u1}. */
  static String key(RestBinding b, ComposeContext cx, String verb, String target, String digest) {
    StringBuilder sb = new StringBuilder(b.service().length() + target.length() + 96)
        .append(b.service()).append(' ').append(verb).append(' ').append(target);
    if (digest != null) sb.append('#').append(digest);
    if (!b.cache().isPublic()) sb.append(" @").append(cx.principal());
    return sb.toString();
  }

  /**
   * The bytes for {@code key}: from the cache, or {@code load} (one per key at a time). Null when the tags cannot be
   * rendered for this request (then the caller fetches uncached).
   */
  static Future<FieldCache.Lookup> lookup(RestBinding b, ComposeContext cx, String key, Set<String> tags,
      Deadline deadline, Supplier<Future<FieldCache.Fill>> load) {
    CacheBinding cb = b.cache();
    FieldCache.Ask ask = new FieldCache.Ask(b.coordinates(), key, cb.policy(), tags, load, STALE_REASON,
        deadline.remainingMillis());
    return cx.cache().get(ask, Vertx.currentContext()).transform(ar -> {
      if (ar.failed()) {
        if (ar.cause() instanceof FieldCache.WaitTimeout) {
          return Future.failedFuture(new UpstreamException(b.service(), UpstreamException.Kind.TIMEOUT,
              "deadline exceeded waiting for " + b.service()));
        }
        return Future.failedFuture(ar.cause());
      }
      FieldCache.Lookup l = ar.result();
      if (cx.track() != null) cx.track().served(cb, l);
      if (l.source() == FieldCache.Source.STALE_IF_ERROR && cx.cache().staleStreakStarted(b.coordinates())) {
        // Once per streak (the next good load ends it, logged by the cache): an outage does not flood the log.
        LOG.warning("event=field_cache_stale_if_error " + RequestLog.logIds(cx.requestId(), deadline.log())
            + " field=" + b.coordinates() + " service=" + b.service() + " reason=" + l.reason()
            + " age_s=" + l.ageMillis() / 1000);
      }
      return Future.succeededFuture(l);
    });
  }

  /**
   * Parses the kept bytes for this selection; bytes the field cannot read are dropped from the cache, so one bad
   * answer fails one request rather than every request for maxAge.
   */
  static <T> T read(ComposeContext cx, String key, Supplier<T> parse) {
    try {
      return parse.get();
    } catch (RuntimeException e) {
      cx.cache().forget(key);
      throw e;
    }
  }

  /** This request's tags, or null when a tag template lacks its value. */
  static Set<String> tags(RestBinding b, Template.Values values) {
    try {
      return b.cache().tags(values);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** gRPC messages kept in one buffer: each as a 4-byte length and its bytes. */
  static Buffer pack(List<Buffer> messages) {
    int size = 0;
    for (Buffer m : messages) size += 4 + m.length();
    Buffer out = Buffer.buffer(size);
    for (Buffer m : messages) out.appendInt(m.length()).appendBuffer(m);
    return out;
  }

  static List<Buffer> unpack(Buffer packed) {
    List<Buffer> out = new ArrayList<>(2);
    int at = 0;
    while (at + 4 <= packed.length()) {
      int len = packed.getInt(at);
      out.add(packed.getBuffer(at + 4, at + 4 + len));
      at += 4 + len;
    }
    return out;
  }
}
