package dev.bffkit.core.internal;

import io.vertx.core.Context;
import io.vertx.core.internal.ContextInternal;

/**
 * Runs code on the calling thread with a Vert.x context current, as if on its event loop. For
 * benchmarks and tools that drive the engine synchronously; the server never needs it.
 */
public final class DirectContext {
  private DirectContext() {}

  public static void run(Context context, Runnable action) {
    ((ContextInternal) context).dispatch(action);
  }
}
