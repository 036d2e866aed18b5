package dev.bffkit.core.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.TimeoutException;

/**
 * The first bytes of a request body, read before the service is called so the WAF can check
 * them: the whole body when it ends within {@code limit}, else a little more than {@code limit}
 * (up to one chunk over), the rest left unread in the paused request for the pipe to stream.
 */
record BodyPrefix(Buffer bytes, boolean complete) {

  /**
   * Reads until the body ends or passes {@code limit} bytes, then leaves the request paused
   * (TCP back-pressure holds the client). Fails with a {@link TimeoutException} when the client
   * has not got that far within {@code timeoutMs} (a stalled upload), or with the request's error.
   *
   * @param sizeHint the declared length when known (one allocation), else -1
   */
  static Future<BodyPrefix> read(HttpServerRequest req, int limit, long sizeHint, long timeoutMs, Vertx vertx) {
    Promise<BodyPrefix> read = Promise.promise();
    Buffer bytes = Buffer.buffer(sizeHint >= 0 && sizeHint <= limit ? (int) sizeHint : Math.min(limit, 16 * 1024));
    long timer = vertx.setTimer(Math.max(1, timeoutMs), id -> {
      req.pause();
      read.tryFail(new TimeoutException("request body not received within " + timeoutMs + " ms"));
    });
    req.handler(chunk -> {
      bytes.appendBuffer(chunk);
      if (bytes.length() > limit) {
        req.pause(); // the rest waits in the connection until the pipe asks for it
        vertx.cancelTimer(timer);
        read.tryComplete(new BodyPrefix(bytes, false));
      }
    });
    req.endHandler(v -> {
      vertx.cancelTimer(timer);
      read.tryComplete(new BodyPrefix(bytes, true));
    });
    req.exceptionHandler(e -> {
      vertx.cancelTimer(timer);
      read.tryFail(e);
    });
    req.resume();
    return read.future();
  }

  int length() {
    return bytes.length();
  }
}
