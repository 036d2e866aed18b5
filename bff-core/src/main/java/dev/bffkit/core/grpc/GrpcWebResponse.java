package dev.bffkit.core.grpc;

import dev.bffkit.core.pipeline.Exchange;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;

/**
 * Writes one gRPC-Web answer (PROTOCOL-WEB.md): HTTP 200, the service's response headers, each
 * message as a data frame ({@code 0x00}, length, bytes) and the status and trailers as the
 * trailer frame ({@code 0x80}, length, an HTTP/1 header block with lower-case names). An answer
 * with no message is trailers-only: status and trailers travel as HTTP headers and the body is
 * empty. In text mode every frame is base64 on its own (padded chunks, which a gRPC-Web client
 * decodes one after the other).
 */
final class GrpcWebResponse {
  private final Exchange ex;
  private final HttpServerResponse resp;
  private final boolean text;
  private boolean started;

  GrpcWebResponse(Exchange ex, boolean text) {
    this.ex = ex;
    this.resp = ex.response();
    this.text = text;
  }

  /** Nothing was written yet (the answer may still be trailers-only or carry new headers). */
  boolean fresh() {
    return !started && !resp.ended();
  }

  void write(Buffer message) {
    if (resp.ended()) return;
    if (!started) {
      started = true;
      resp.setStatusCode(200).setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, contentType());
    }
    ex.write(encode(frame(0x00, message)));
  }

  /** Ends the answer with this status, message (may be null) and trailers (may be null). */
  Future<Void> end(int code, String message, MultiMap trailers) {
    if (resp.ended()) return Future.succeededFuture();
    if (!started) {
      // trailers-only: PROTOCOL-WEB.md "Trailers-only responses: no change to the gRPC protocol spec"
      resp.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, contentType());
      resp.putHeader("grpc-status", Integer.toString(code));
      if (message != null && !message.isEmpty()) resp.putHeader("grpc-message", percentEncode(message));
      if (trailers != null) GrpcMetadata.copyResponse(trailers, resp.headers());
      return ex.end();
    }
    StringBuilder block = new StringBuilder(64).append("grpc-status:").append(code).append("\r\n");
    if (message != null && !message.isEmpty()) block.append("grpc-message:").append(percentEncode(message)).append("\r\n");
    if (trailers != null) {
      MultiMap copied = MultiMap.caseInsensitiveMultiMap();
      GrpcMetadata.copyResponse(trailers, copied);
      for (Map.Entry<String, String> t : copied) {
        block.append(t.getKey().toLowerCase(Locale.ROOT)).append(':').append(t.getValue()).append("\r\n");
      }
    }
    return ex.end(encode(frame(0x80, Buffer.buffer(block.toString(), "US-ASCII"))));
  }

  private String contentType() {
    return text ? "application/grpc-web-text+proto" : "application/grpc-web+proto";
  }

  private static Buffer frame(int flags, Buffer payload) {
    return Buffer.buffer(5 + payload.length()).appendByte((byte) flags).appendInt(payload.length()).appendBuffer(payload);
  }

  private Buffer encode(Buffer frame) {
    return text ? Buffer.buffer(Base64.getEncoder().encode(frame.getBytes())) : frame;
  }

  /**
   * {@code grpc-message} is percent-encoded UTF-8 (PROTOCOL-HTTP2.md, "Status-Message"):
   * bytes outside {@code %x20-%x7E} and '%' itself become {@code %XX}.
   */
  static String percentEncode(String message) {
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length);
    for (byte b : bytes) {
      int c = b & 0xff;
      if (c >= 0x20 && c <= 0x7e && c != '%') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
