package dev.bffkit.core.compose;

import dev.bffkit.core.compose.incremental.MultipartWriter;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Failures;
import io.vertx.core.http.HttpHeaders;

/**
 * Answers a request with an incremental run as multipart parts. Always 200 and no ETag (the
 * status goes out with the first part, before deferred fields are known): a partial failure shows
 * only in the parts' {@code errors}, and {@code X-BFF-Partial} cannot be sent.
 */
final class IncrementalResponse {
  private IncrementalResponse() {}

  /** Whether the request takes multipart answers (GET or POST with a multipart Accept). */
  static boolean wanted(Exchange ex) {
    return MultipartAccept.accepts(ex.request().getHeader(HttpHeaders.ACCEPT));
  }

  static void send(Exchange ex, IncrementalRun run, String where) {
    MultipartWriter writer = new MultipartWriter(ex, Json::toBuffer);
    run.start(writer).onComplete(ar -> {
      if (ar.failed()) {
        if (!ex.response().headWritten()) Failures.internal(ex, where, ar.cause());
        else ex.response().reset(); // mid-stream: the client sees a broken body, not a false end
      } else if (run.errorsSeen() && ex.log() != null) {
        ex.log().partial(true);
      }
    });
  }
}
