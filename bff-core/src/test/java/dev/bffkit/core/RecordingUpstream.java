package dev.bffkit.core;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP service on 127.0.0.1 that records what it received and how each call ended: answered,
 * or cancelled by its caller (connection closed or stream reset before the answer ended).
 * {@code /hang} never answers, {@code /stream} writes one chunk and then holds the rest, any other
 * path answers {@code {"ok":true}} at once.
 */
public final class RecordingUpstream implements AutoCloseable {
  public final AtomicInteger received = new AtomicInteger();
  public final AtomicInteger open = new AtomicInteger();
  public final AtomicInteger cancelled = new AtomicInteger();
  public final AtomicInteger answered = new AtomicInteger();
  private final HttpServer server;

  public RecordingUpstream(Vertx vertx) {
    // A caller that resets mid-answer makes this side's socket fail (connection reset): expected
    // here, and not to be mistaken for the gateway's logs.
    server = vertx.createHttpServer().exceptionHandler(e -> { }).connectionHandler(c -> c.exceptionHandler(e -> { }))
        .requestHandler(req -> {
      received.incrementAndGet();
      open.incrementAndGet();
      HttpServerResponse resp = req.response();
      resp.closeHandler(v -> {
        if (!resp.ended()) {
          cancelled.incrementAndGet();
          open.decrementAndGet();
        }
      });
      switch (req.path()) {
        case "/hang" -> { }
        case "/stream" -> resp.setChunked(true).write(Buffer.buffer("{\"first\":true}"));
        default -> {
          answered.incrementAndGet();
          open.decrementAndGet();
          resp.putHeader("content-type", "application/json").end("{\"ok\":true}");
        }
      }
    }).listen(0, "127.0.0.1").await();
  }

  public int port() {
    return server.actualPort();
  }

  @Override
  public void close() {
    server.close().await();
  }
}
