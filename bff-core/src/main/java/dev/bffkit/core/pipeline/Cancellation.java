package dev.bffkit.core.pipeline;

import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * A request's "the client has gone" signal: fired once when the client closes its connection
 * (HTTP/1.1) or resets its stream (HTTP/2 RST_STREAM, rapid reset included) before its answer has
 * ended. It travels with the request's {@link Deadline} (as a context does in Go), so every
 * upstream call made for the request, on any route kind, finds it without new parameters: HTTP
 * calls reset their request, gRPC calls cancel their stream (RST_STREAM CANCEL), and none of it is
 * counted against the service. Lives on the request's event loop: no locks.
 */
public final class Cancellation {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.access");

  private List<Runnable> listeners;
  private boolean cancelled;

  /** A signal nobody watches yet (tests, tools); {@link #watch} ties one to a request. */
  public Cancellation() {}

  /**
   * The exchange's signal, tied on first use to its response's close (which Vert.x raises for an
   * HTTP/1.1 connection closed and for an HTTP/2 stream reset or closed) and carried from then on
   * by {@code ex.deadline()}. Called by the endpoints that call services, before they do.
   */
  public static Cancellation watch(Exchange ex) {
    Cancellation c = ex.deadline().cancellation();
    if (c != null) return c;
    Cancellation signal = new Cancellation();
    ex.deadline(ex.deadline().withCancellation(signal));
    HttpServerResponse resp = ex.response();
    resp.closeHandler(v -> gone(ex, signal));
    // A stream reset before this point (HTTP/2 rapid reset: HEADERS then RST_STREAM in one read)
    // has closed the response already, and its close handler will never run.
    if (resp.closed()) gone(ex, signal);
    return signal;
  }

  private static void gone(Exchange ex, Cancellation signal) {
    if (ex.response().ended() || signal.cancelled) return;
    LOG.info("event=client_gone " + ex.logIds() + " path=" + ex.request().path()
        + " after_ms=" + (System.nanoTime() - ex.startNanos()) / 1_000_000L);
    signal.cancel();
  }

  public boolean cancelled() {
    return cancelled;
  }

  /** Runs {@code r} when the client goes (at once if it has gone); undo with {@link #remove}. */
  public void onCancel(Runnable r) {
    if (cancelled) {
      r.run();
      return;
    }
    if (listeners == null) listeners = new ArrayList<>(4);
    listeners.add(r);
  }

  /** Forgets {@code r}: its call has ended. */
  public void remove(Runnable r) {
    if (listeners != null) listeners.remove(r);
  }

  /** Fires the signal once; a listener that throws does not stop the others. */
  public void cancel() {
    if (cancelled) return;
    cancelled = true;
    List<Runnable> ls = listeners;
    listeners = null;
    if (ls == null) return;
    for (Runnable r : ls) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.fine("event=cancel_listener_failed error=" + e);
      }
    }
  }
}
