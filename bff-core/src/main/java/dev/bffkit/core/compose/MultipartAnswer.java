package dev.bffkit.core.compose;

import dev.bffkit.core.pipeline.Exchange;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;

/**
 * An incremental answer over HTTP as Apollo Router sends it and Apollo Client reads it ({@code multipart/mixed;
 * boundary="graphql";deferSpec=20220824}): every part is {@code \r\n--graphql\r\ncontent-type: application/json
 * \r\n\r\n<payload>}, the body closes with {@code \r\n--graphql--\r\n}. Each part ends with the next delimiter's
 * {@code \r\n--graphql}, so a reader has the part whole as soon as it arrives. Always 200 (the status is sent before
 * the deferred parts are known; their errors are in their payloads), never an ETag, never cached.
 */
final class MultipartAnswer {
  static final String CONTENT_TYPE = "multipart/mixed;boundary=\"graphql\";deferSpec=20220824";
  private static final byte[] FIRST = "\r\n--graphql".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HEAD = "\r\ncontent-type: application/json; charset=utf-8\r\n\r\n"
      .getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DELIMITER = "\r\n--graphql".getBytes(StandardCharsets.US_ASCII);
  private static final String PARTIAL = "X-BFF-Partial";
  private static final byte[] CLOSE = "--\r\n".getBytes(StandardCharsets.US_ASCII);

  private MultipartAnswer() {}

  /** Sends the initial payload now, then each of {@code rest}'s as it comes, then the close. */
  static void send(Exchange ex, ComposeResult initial, IncrementalDelivery rest) {
    HttpServerResponse resp = ex.response();
    resp.setStatusCode(200).setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE)
        .putHeader(HttpHeaders.CACHE_CONTROL, "private, no-cache");
    if (initial.hasFieldErrors()) resp.putHeader(PARTIAL, "true"); // the later parts' errors are in their payloads
    ex.write(Buffer.buffer(FIRST.length + HEAD.length + initial.body().length() + DELIMITER.length)
        .appendBytes(FIRST).appendBytes(HEAD).appendBuffer(initial.body()).appendBytes(DELIMITER));
    rest.start(payload -> {
      if (!resp.closed() && !resp.ended()) {
        ex.write(Buffer.buffer(HEAD.length + payload.length() + DELIMITER.length)
            .appendBytes(HEAD).appendBuffer(payload).appendBytes(DELIMITER));
      }
    }, () -> {
      if (!resp.closed() && !resp.ended()) ex.end(Buffer.buffer(CLOSE));
    });
  }
}
