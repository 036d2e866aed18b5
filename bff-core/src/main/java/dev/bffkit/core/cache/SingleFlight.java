package dev.bffkit.core.cache;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * At most one load per key in flight across every event loop: the first caller (the leader) starts it, later callers
 * (followers) get the same future until it completes. The load must not depend on the leader's client staying (the
 * compose side detaches the client's cancellation), so a leaving leader never fails its followers.
 */
final class SingleFlight<T> {
  private final Map<String, Future<T>> flying = new ConcurrentHashMap<>();

  /** A call in flight or just started; {@link Flight#leader} tells which. */
  record Flight<T>(Future<T> future, boolean leader) {}

  Flight<T> join(String key, Supplier<Future<T>> load) {
    Future<T> existing = flying.get(key);
    if (existing != null) return new Flight<>(existing, false);
    Promise<T> mine = Promise.promise();
    Future<T> f = flying.putIfAbsent(key, mine.future());
    if (f != null) return new Flight<>(f, false);
    Future<T> started;
    try {
      started = load.get();
    } catch (RuntimeException e) {
      started = Future.failedFuture(e);
    }
    // Out of the map before anyone sees the result: a caller after that starts a new load.
    started.onComplete(ar -> {
      flying.remove(key, mine.future());
      mine.handle(ar);
    });
    return new Flight<>(mine.future(), true);
  }

  /** Whether a load for {@code key} is in flight (a revalidation then is not started twice). */
  boolean flying(String key) {
    return flying.containsKey(key);
  }

  int size() {
    return flying.size();
  }
}
