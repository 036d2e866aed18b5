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
    arm(conn, st);
  }

  /**
   * A request head arrived: no timer while requests are in flight. Returns what to run when its
   * response ends (the server owns the response's end handler), or null when nothing is tracked.
   */
  Runnable request(HttpServerRequest req) {
    HttpConnection conn = req.connection();
    State st = states.get(conn);
    if (st == null) return null;
    st.inflight++;
    if (st.timer >= 0) {
      vertx.cancelTimer(st.timer);
      st.timer = -1;
    }
    return () -> {
      if (--st.inflight == 0 && states.get(conn) == st) arm(conn, st);
    };
  }

  private void arm(HttpConnection conn, State st) {
    if (headerReadMs <= 0) return;
    st.timer = vertx.setTimer(headerReadMs, id -> {
      st.timer = -1;
      if (st.inflight == 0) conn.close();
    });
  }
}
