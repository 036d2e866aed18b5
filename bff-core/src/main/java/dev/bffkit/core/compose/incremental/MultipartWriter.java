package dev.bffkit.core.compose.incremental;

import dev.bffkit.core.pipeline.Exchange;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Writes incremental payloads as {@code multipart/mixed;boundary="graphql";deferSpec=20220824},
 * byte for byte as Apollo Router frames them: every part is preceded by CRLF (the first one
 * too, since Apollo Client splits the body on {@code "\r\n--graphql"}), carries
 * {@code content-type: application/json}, and the body ends with {@code --graphql--}. One write
 * (one flush) per part; through {@link Exchange#write}, so answer filters and the audit see it.
 *
 * <p>The head (200, no ETag: the answer is assembled as it goes) goes out with the first part. A
 * client that left gets no further writes.
 */
public final class MultipartWriter implements IncrementalSink {
  public static final String CONTENT_TYPE = "multipart/mixed;boundary=\"graphql\";deferSpec=20220824";
  private static final CharSequence CONTENT_TYPE_VALUE = HttpHeaders.createOptimized(CONTENT_TYPE);
  private static final byte[] FIRST = bytes("\r\n--graphql\r\n");
  private static final byte[] PART_HEAD = bytes("content-type: application/json\r\n\r\n");
  private static final byte[] DELIMITER = bytes("\r\n--graphql\r\n");
  private static final byte[] CLOSE = bytes("\r\n--graphql--\r\n");

  private final Exchange ex;
  private final Function<Object, Buffer> json;
  private boolean first = true;
  private boolean ended;

  /** {@code json} serialises a payload (the gateway's own serializer, which knows its value types). */
  public MultipartWriter(Exchange ex, Function<Object, Buffer> json) {
    this.ex = ex;
    this.json = json;
  }

  /**
   * One part as it goes on the wire: the first part starts with the opening delimiter; every part
   * ends with the next delimiter, or the closing one when it is the last.
   */
  public static Buffer frame(Buffer payload, boolean first, boolean last) {
    Buffer b = Buffer.buffer(payload.length() + 64);
    if (first) b.appendBytes(FIRST);
    b.appendBytes(PART_HEAD).appendBuffer(payload).appendBytes(last ? CLOSE : DELIMITER);
    return b;
  }

  @Override
  public void initial(Object data, List<Map<String, Object>> errors, boolean hasNext) {
    Map<String, Object> m = new LinkedHashMap<>(4);
    if (!errors.isEmpty()) m.put("errors", errors);
    m.put("data", data);
    m.put("hasNext", hasNext);
    emit(m, !hasNext);
  }

  @Override
  public void next(List<Map<String, Object>> incremental, boolean hasNext) {
    Map<String, Object> m = new LinkedHashMap<>(2);
    m.put("hasNext", hasNext);
    if (!incremental.isEmpty()) m.put("incremental", incremental);
    emit(m, !hasNext);
  }

  private void emit(Map<String, Object> payload, boolean last) {
    if (ended) return;
    if (ex.deadline().cancelled() || ex.response().closed() || ex.response().ended()) {
      ended = true; // the client left: nothing more to write (pending calls are cancelled with its deadline)
      return;
    }
    if (first) {
      ex.response().setStatusCode(200).setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE_VALUE);
    }
    Buffer part = frame(json.apply(payload), first, last);
    first = false;
    if (last) {
      ended = true;
      ex.end(part);
    } else {
      ex.write(part);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
