package dev.bffkit.core.pipeline;

import dev.bffkit.core.route.RoutePolicy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.streams.WriteStream;

/**
 * The one bounded reader of request bodies, for every route kind: declared and chunked bodies
 * alike are held to the route's byte limit (413) and read deadline (408), and a streamed body to
 * its minimum rate. A refusal is answered here, with {@code Connection: close} on HTTP/1.1 (RFC
 * 9110 §15.5.9 and §15.5.14: the rest of the body is not read as a next request), and the
 * connection then closed (HTTP/1.1) or the stream reset (h2). Bytes beyond the limit are counted
 * and dropped, never kept: a 10 MB body costs the heap nothing more than the limit.
 *
 * <p>Every future this class returns fails once the client has been answered, or is gone (its
 * reset or disconnect); callers only act on success.
 */
public final class BodyReader {
  /** How long a refused request's unread body is drained so the client can read the answer. */
  private static final long LINGER_MS = 2000;

  /** A body's first bytes: {@code complete} when they are the whole body. */
  public record Prefix(Buffer bytes, boolean complete) {}

  /** The body failed: answered (413, 408, 400) or the client went away. */
  public static final class Refused extends RuntimeException {
    public final int status;

    public Refused(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  private BodyReader() {}

  /** The whole body within the route's limits. */
  public static Future<Buffer> whole(Exchange ex) {
    return whole(ex, ex.route().policy().maxBodyBytes(), timeoutMs(ex));
  }

  /** A body read whole gets the route's body timeout, and never more than the request's deadline. */
  public static long timeoutMs(Exchange ex) {
    long body = ex.route() == null ? 10_000 : ex.route().policy().bodyTimeout().toMillis();
    return Math.min(body, ex.deadline().remainingMillis());
  }

  /** The whole body within {@code maxBytes}, arriving within {@code timeoutMs}. */
  public static Future<Buffer> whole(Exchange ex, long maxBytes, long timeoutMs) {
    if (ex.readBody() != null) return Future.succeededFuture(ex.readBody());
    return new Read(ex, maxBytes, timeoutMs, false).start().map(Prefix::bytes);
  }

  /**
   * Reads until the body ends or passes {@code limit} bytes (a little more: up to one chunk
   * over), then leaves the request paused for a stream to take the rest ({@link #stream}).
   */
  public static Future<Prefix> prefix(Exchange ex, int limit) {
    if (ex.readBody() != null) return Future.succeededFuture(new Prefix(ex.readBody(), true));
    return new Read(ex, limit, timeoutMs(ex), true).start();
  }

  /**
   * Streams the (rest of the) body to {@code to} with back-pressure, within the route's byte
   * limit and minimum rate; {@code alreadyRead} bytes were read before (a {@link #prefix}). When
   * the body breaks a limit, the client is answered, {@code abort} runs (reset the upstream
   * request: a cut body must not reach the service as a whole one) and the future fails;
   * likewise when the client goes away. Succeeds when the body has ended and {@code to} too.
   */
  public static Future<Void> stream(Exchange ex, WriteStream<Buffer> to, long alreadyRead, Runnable abort) {
    RoutePolicy p = ex.route().policy();
    HttpServerRequest req = ex.request();
    Vertx vertx = Vertx.currentContext().owner();
    Promise<Void> done = Promise.promise();
    long[] count = {alreadyRead};
    long window = Math.max(1, p.bodyTimeout().toMillis());
    long minPerWindow = (long) p.minBodyRate() * window / 1000;
    long[] mark = {alreadyRead};
    long rate = minPerWindow <= 0 ? -1 : vertx.setPeriodic(window, id -> {
      if (done.future().isComplete()) {
        vertx.cancelTimer(id);
      } else if (count[0] - mark[0] < minPerWindow) {
        vertx.cancelTimer(id);
        // Answer first: aborting fails the upstream call, whose handler would otherwise answer 502.
        refuse(ex, 408, "body_timeout", "the request body arrived slower than " + p.minBodyRate() + " bytes/s", vertx);
        done.tryFail(new Refused(408, "too slow"));
        tapAbort(ex);
        abort.run();
      } else {
        mark[0] = count[0];
      }
    });
    req.handler(chunk -> {
      if (done.future().isComplete()) return;
      count[0] += chunk.length();
      if (count[0] > p.maxBodyBytes()) {
        if (rate >= 0) vertx.cancelTimer(rate);
        refuse(ex, 413, "body_too_large", "request body exceeds " + p.maxBodyBytes() + " bytes", vertx);
        done.tryFail(new Refused(413, "too large"));
        tapAbort(ex);
        abort.run();
        return;
      }
      if (ex.log() != null) ex.log().requestBody(chunk);
      tapChunk(ex, chunk);
      to.write(chunk);
      if (to.writeQueueFull()) {
        req.pause();
        to.drainHandler(v -> req.resume());
      }
    });
    req.exceptionHandler(e -> {
      if (rate >= 0) vertx.cancelTimer(rate);
      if (done.tryFail(e)) {
        tapAbort(ex);
        abort.run();
      }
    });
    req.endHandler(v -> {
      if (rate >= 0) vertx.cancelTimer(rate);
      if (done.future().isComplete()) return;
      tapEnd(ex);
      to.end().onComplete(done);
    });
    req.resume();
    return done.future();
  }

  /** One whole or prefix read. */
  private static final class Read {
    private final Exchange ex;
    private final HttpServerRequest req;
    private final long limit;
    private final long timeoutMs;
    private final boolean prefix;
    private final Promise<Prefix> result = Promise.promise();
    private final Vertx vertx = Vertx.currentContext().owner();
    private Buffer bytes;
    private long timer = -1;

    Read(Exchange ex, long limit, long timeoutMs, boolean prefix) {
      this.ex = ex;
      this.req = ex.request();
      this.limit = limit;
      this.timeoutMs = timeoutMs;
      this.prefix = prefix;
    }

    Future<Prefix> start() {
      long declared = declaredLength(req);
      if (declared == MALFORMED) {
        refuse(ex, 400, "bad_request", "Content-Length is not a number", vertx);
        tapAbort(ex);
        return Future.failedFuture(new Refused(400, "bad length"));
      }
      if (!prefix && declared > limit) {
        refuse(ex, 413, "body_too_large", "request body exceeds " + limit + " bytes", vertx);
        tapAbort(ex);
        return Future.failedFuture(new Refused(413, "too large"));
      }
      bytes = Buffer.buffer(declared >= 0 && declared <= limit ? (int) declared : (int) Math.min(limit, 16 * 1024));
      timer = vertx.setTimer(Math.max(1, timeoutMs), id -> {
        timer = -1;
        if (result.future().isComplete()) return;
        refuse(ex, 408, "body_timeout", "the request body did not arrive within " + timeoutMs + " ms", vertx);
        result.tryFail(new Refused(408, "timeout"));
        tapAbort(ex);
      });
      req.handler(this::chunk);
      req.endHandler(v -> {
        if (result.future().isComplete()) return;
        tapEnd(ex);
        finish(new Prefix(bytes, true));
      });
      req.exceptionHandler(e -> {
        cancelTimer();
        if (result.tryFail(e)) tapAbort(ex); // the client went away: nobody to answer
      });
      req.resume(); // earlier async stages (auth) may have paused it to keep the body
      return result.future();
    }

    private void chunk(Buffer chunk) {
      if (result.future().isComplete()) return;
      if (ex.log() != null) ex.log().requestBody(chunk);
      if (bytes.length() + chunk.length() > limit) {
        if (prefix) {
          tapChunk(ex, chunk);
          bytes.appendBuffer(chunk);
          req.pause(); // the rest waits in the connection until a stream asks for it
          finish(new Prefix(bytes, false));
          return;
        }
        cancelTimer();
        refuse(ex, 413, "body_too_large", "request body exceeds " + limit + " bytes", vertx);
        result.tryFail(new Refused(413, "too large"));
        tapAbort(ex);
        return;
      }
      tapChunk(ex, chunk);
      bytes.appendBuffer(chunk);
    }

    private void finish(Prefix p) {
      cancelTimer();
      result.tryComplete(p);
    }

    private void cancelTimer() {
      if (timer >= 0) vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** The request's {@link BodyTap}, if it has one, sees a chunk, the end, or the body cut off. */
  private static void tapChunk(Exchange ex, Buffer chunk) {
    if (ex.bodyTap() != null) ex.bodyTap().chunk(chunk);
  }

  private static void tapEnd(Exchange ex) {
    if (ex.bodyTap() != null) ex.bodyTap().end();
  }

  private static void tapAbort(Exchange ex) {
    if (ex.bodyTap() != null) ex.bodyTap().abort();
  }

  /** {@link #declaredLength} of a Content-Length that is not a non-negative number. */
  public static final long MALFORMED = -2;

  /** The declared length, -1 when none, {@link #MALFORMED} when it is not a number. */
  public static long declaredLength(HttpServerRequest req) {
    String v = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (v == null) return -1;
    try {
      long n = Long.parseLong(v.trim());
      return n < 0 ? MALFORMED : n;
    } catch (NumberFormatException e) {
      return MALFORMED;
    }
  }

  /**
   * Answers a body that broke a limit before any service was called. A body still arriving is
   * drained (dropped) for a moment, then the connection is closed (HTTP/1.1) or the stream reset
   * (h2): closing at once with unread bytes makes TCP reset the connection, and the client may
   * never see the answer. A 408 closes at once: its sender is the slow one.
   */
  public static void refuse(Exchange ex, int status, String code, String message, Vertx vertx) {
    HttpServerRequest req = ex.request();
    if (ex.answered()) {
      if (!ex.response().ended()) ex.response().reset();
      return;
    }
    boolean unread = !req.isEnded();
    boolean h2 = req.version() == HttpVersion.HTTP_2;
    if (unread && !h2) ex.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    ex.fail(status, code, message);
    if (!unread) return;
    if (status == 408) {
      if (h2) ex.response().reset(8); // CANCEL
      else req.connection().close(); // after the answer, which end() has already flushed
      return;
    }
    long linger = vertx.setTimer(LINGER_MS, id -> {
      if (h2) ex.response().reset(8); // CANCEL
      else req.connection().close();
    });
    req.handler(ignored -> { });
    req.exceptionHandler(ignored -> vertx.cancelTimer(linger));
    req.endHandler(v -> {
      vertx.cancelTimer(linger);
      if (!h2) req.connection().close();
    });
    req.resume();
  }
}
