package dev.bffkit.core.server;

import dev.bffkit.core.config.LimitsConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per event loop: the connection limit (a BFF-wide counter shared by its loops) and the
 * header-read timeout against slowloris. A connection with no request in flight must deliver a
 * complete request head within {@code headerReadTimeout} of opening or of its last response
 * ending; otherwise it is closed. (The idle timeout alone is not enough: one byte every few
 * seconds keeps a connection "active" forever.) Single-threaded: one instance per verticle.
 *
 * <p>Vert.x hands over a cleartext connection with h2c enabled only once its first request head
 * is complete (it must look for an h2c upgrade), so there the guard starts at the first request;
 * with {@code server.h2c: false} (the default) or TLS it starts at connect.
 */
final class ConnectionGuard {
  private final Vertx vertx;
  private final AtomicInteger open;
  private final int max;
  private final long headerReadMs;
  private final Map<HttpConnection, State> states = new IdentityHashMap<>();

  private static final class State {
    int inflight;
    long timer = -1;
    /** When the connection last became idle (opened, or its last response ended), System.nanoTime. */
    long idleSince;
  }

  ConnectionGuard(Vertx vertx, AtomicInteger open, LimitsConfig limits) {
    this.vertx = vertx;
    this.open = open;
    this.max = limits.maxConnections();
    this.headerReadMs = limits.headerReadTimeout().toMillis();
  }

  void connected(HttpConnection conn) {
    int n = open.incrementAndGet();
    State st = new State();
    states.put(conn, st);
    conn.closeHandler(v -> {
      open.decrementAndGet();
      State s = states.remove(conn);
      if (s != null && s.timer >= 0) vertx.cancelTimer(s.timer);
    });
    if (max > 0 && n > max) {
      conn.close();
      return;
    }
    idle(conn, st);
  }

  /**
   * A request head arrived: the connection is busy until its responses end. Returns what to run
   * when its response ends (the server owns the response's end handler), or null when nothing is
   * tracked. The timer is not cancelled here and re-armed at the end, which cost two timer
   * operations per keep-alive request (~2 % of a proxied request's CPU): it stays armed, and when
   * it fires it closes the connection only if it has been idle for the whole timeout, else waits
   * for the rest of it.
   */
  Runnable request(HttpServerRequest req) {
    HttpConnection conn = req.connection();
    State st = states.get(conn);
    if (st == null) return null;
    st.inflight++;
    return () -> {
      if (--st.inflight == 0 && states.get(conn) == st) idle(conn, st);
    };
  }

  private void idle(HttpConnection conn, State st) {
    if (headerReadMs <= 0) return;
    st.idleSince = System.nanoTime();
    if (st.timer < 0) arm(conn, st, headerReadMs);
  }

  private void arm(HttpConnection conn, State st, long delayMs) {
    st.timer = vertx.setTimer(Math.max(1, delayMs), id -> {
      st.timer = -1;
      if (st.inflight > 0) return; // busy: the end of its last response arms it again
      long idleMs = (System.nanoTime() - st.idleSince) / 1_000_000;
      if (idleMs >= headerReadMs) conn.close();
      else arm(conn, st, headerReadMs - idleMs);
    });
  }
}
