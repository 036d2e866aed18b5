package dev.bffkit.core;

import dev.bffkit.core.config.ClientBundle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Entry point of every BFF. {@code java -jar bff.jar --config DIR [--port N]} serves any client
 * folder; a client module's Main calls {@link #run(String, String[])} to serve the folder
 * {@code bff/<client>/} built into its jar.
 */
public final class Bff {
  private Bff() {}

  /** Command line entry of the generic launcher. */
  public static void main(String[] args) {
    run(null, args);
  }

  /** Serves the built-in folder {@code bff/<client>/} (or {@code --config DIR}); exits non-zero on a config error. */
  public static void run(String client, String[] args) {
    throw new IllegalStateException("not yet");
  }

  /** Starts one client BFF on the given Vert.x instance. */
  public static Future<RunningBff> start(Vertx vertx, ClientBundle bundle) {
    throw new IllegalStateException("not yet");
  }

  /** A started BFF. */
  public interface RunningBff {
    int port();

    Future<Void> close();
  }
}
