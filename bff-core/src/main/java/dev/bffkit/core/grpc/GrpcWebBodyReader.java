package dev.bffkit.core.grpc;

import dev.bffkit.core.pipeline.BodyReader;
import dev.bffkit.core.pipeline.Exchange;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a gRPC-Web request body through a {@link GrpcWebDeframer}, bounded in bytes (the
 * deframer stops at the first frame that is too large or one too many) and in time: a body that
 * has not ended by {@code timeoutMs} ({@link BodyReader#timeoutMs}: the route's body timeout, at
 * most the request's deadline; a body sent one byte a second must not hold the socket) fails with
 * DEADLINE_EXCEEDED. The first fault ends the read at once; the caller answers and closes what is
 * left of the request. Not {@link BodyReader#whole} itself: that answers its refusals as HTTP
 * 413/408 JSON, and a gRPC-Web client needs a {@code grpc-status}, as soon as a frame header
 * declares too much.
 */
final class GrpcWebBodyReader {
  private GrpcWebBodyReader() {}

  /** The one request message, or a failure holding a {@link GrpcFault.Refused}. */
  static Future<Buffer> read(Vertx vertx, Exchange ex, GrpcWebDeframer deframer, long timeoutMs) {
    HttpServerRequest req = ex.request();
    Promise<Buffer> result = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, timeoutMs), id -> {
      if (result.tryFail(new GrpcFault.Refused(new GrpcFault(GrpcFault.DEADLINE_EXCEEDED,
          "the request body did not arrive within the deadline")))) {
        req.handler(null);
      }
    });
    req.handler(chunk -> {
      if (result.future().isComplete()) return;
      if (ex.log() != null) ex.log().requestBody(chunk);
      GrpcFault fault = deframer.update(chunk);
      if (fault != null && result.tryFail(new GrpcFault.Refused(fault))) vertx.cancelTimer(timer);
    });
    req.endHandler(v -> {
      vertx.cancelTimer(timer);
      if (result.future().isComplete()) return;
      GrpcFault fault = deframer.end();
      if (fault != null) result.tryFail(new GrpcFault.Refused(fault));
      else result.tryComplete(deframer.message());
    });
    req.exceptionHandler(err -> {
      vertx.cancelTimer(timer);
      result.tryFail(err);
    });
    req.resume(); // an earlier async stage (auth) may have paused it
    return result.future();
  }
}
