package dev.bffkit.core;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.Supplier;

/**
 * Runs a test's client calls on one event-loop context instead of the JUnit thread: in Vert.x
 * 5.0.7 a response handled on another thread than its connection's can lose its end and hang
 * (eclipse-vertx/vert.x#6038, fixed after 5.0.7). The gateway itself always calls from its loop.
 */
public final class OnLoop {
  private final Context context;

  public OnLoop(Context context) {
    this.context = context;
  }

  public <T> Future<T> run(Supplier<Future<T>> call) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> {
      try {
        call.get().onComplete(promise);
      } catch (Throwable t) {
        promise.fail(t); // a call that throws instead of failing its future must not hang the test
      }
    });
    return promise.future();
  }
}
