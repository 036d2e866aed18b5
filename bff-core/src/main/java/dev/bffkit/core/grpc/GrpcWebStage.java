package dev.bffkit.core.grpc;

import dev.bffkit.core.config.GrpcConfig;
import dev.bffkit.core.pipeline.BodyReader;
import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Stage;
import dev.bffkit.core.upstream.GrpcRequest;
import dev.bffkit.core.upstream.UpstreamCaller;
import dev.bffkit.core.upstream.UpstreamException;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The gRPC-Web bridge: browser clients call {@code POST /package.Service/Method} with
 * {@code application/grpc-web[+proto]} or {@code application/grpc-web-text[+proto]} (base64) over
 * HTTP/1.1 or h2. The request is checked and unframed here ({@link GrpcWebDeframer}, read by
 * {@link GrpcWebBodyReader} within the route's body timeout and the request's deadline), the message bytes pass through
 * unchanged to the service named in {@code grpc.web} over real gRPC (the same transport and
 * resilience as {@code @grpc} fields), and the answer is framed by {@link GrpcWebResponse};
 * server-streamed messages are written as they arrive. Only the services listed in
 * {@code grpc.web} and methods in the descriptor sets are reachable (else UNIMPLEMENTED).
 * Request headers travel as metadata ({@link GrpcMetadata}; the caller's identity headers
 * included), the request's deadline as {@code grpc-timeout}; the service's response headers
 * become HTTP headers and its trailers the gRPC-Web trailer frame (binary {@code -bin} values
 * stay base64), so a browser reads them as the gRPC-Web spec says.
 *
 * <p>Every malformed request is answered at once with a gRPC status (trailers-only) and never
 * reaches the service; when its body was not read to the end, the connection is closed (HTTP/1.x)
 * or the stream reset (h2), so an unread body holds nothing.
 */
public final class GrpcWebStage implements Stage {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.grpc");

  private final Map<String, String> services = new HashMap<>();
  private final DescriptorRegistry registry;
  private final UpstreamCaller upstreams;
  private final Vertx vertx;
  private final int maxMessageBytes;

  public GrpcWebStage(List<GrpcConfig.Expose> web, DescriptorRegistry registry, UpstreamCaller upstreams, Vertx vertx,
      int maxMessageBytes) {
    for (GrpcConfig.Expose e : web) {
      if (registry.service(e.grpcService()) == null) {
        throw e.pos().error("'" + e.grpcService() + "' is not a service of the descriptor sets");
      }
      services.put(e.grpcService(), e.service());
    }
    this.registry = registry;
    this.upstreams = upstreams;
    this.vertx = vertx;
    this.maxMessageBytes = maxMessageBytes;
  }

  /** The wire mode a content type asks for. */
  enum Mode { BINARY, TEXT, UNSUPPORTED }

  /**
   * {@code application/grpc-web} and {@code application/grpc-web-text}, each optionally
   * {@code +proto} (PROTOCOL-WEB.md, "Content-Type"); media types are case-insensitive and may
   * carry parameters (RFC 9110 §8.3.1). Other subtypes ({@code +json}, {@code +thrift}) are not
   * spoken here: the bytes pass through to a protobuf service unchanged. Null: not gRPC-Web.
   */
  static Mode mode(String contentType) {
    if (contentType == null || !contentType.regionMatches(true, 0, "application/grpc-web", 0, 20)) return null;
    int semicolon = contentType.indexOf(';');
    String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    return switch (type) {
      case "application/grpc-web", "application/grpc-web+proto" -> Mode.BINARY;
      case "application/grpc-web-text", "application/grpc-web-text+proto" -> Mode.TEXT;
      default -> Mode.UNSUPPORTED;
    };
  }

  @Override
  public void handle(Exchange ex, Next next) {
    HttpServerRequest req = ex.request();
    Mode mode = req.method() == HttpMethod.POST ? mode(req.getHeader(HttpHeaders.CONTENT_TYPE)) : null;
    if (mode == null) {
      // The route table sent this path here: it is a gRPC-Web service's, whatever else was sent.
      ex.fail(415, "unsupported_media_type", "gRPC-Web routes take POST application/grpc-web[-text][+proto]");
      return;
    }
    GrpcWebResponse out = new GrpcWebResponse(ex, mode == Mode.TEXT);
    if (mode == Mode.UNSUPPORTED) {
      // statuscodes.md UNIMPLEMENTED: "not implemented or not supported/enabled in this service"
      refuse(ex, out, new GrpcFault(GrpcFault.UNIMPLEMENTED,
          "content-type must be application/grpc-web[-text][+proto]"));
      return;
    }
    String encoding = req.getHeader("grpc-encoding");
    if (encoding != null && !encoding.equalsIgnoreCase("identity")) {
      // compression.md: a message compressed by an algorithm the server does not support is
      // UNIMPLEMENTED, and the answer names what it accepts in grpc-accept-encoding.
      ex.response().putHeader("grpc-accept-encoding", "identity");
      refuse(ex, out, new GrpcFault(GrpcFault.UNIMPLEMENTED, "grpc-encoding is not supported; send identity"));
      return;
    }
    long timeoutMs = GrpcTimeout.millis(req.getHeader("grpc-timeout"));
    if (timeoutMs == GrpcTimeout.MALFORMED) {
      // PROTOCOL-HTTP2.md: TimeoutValue is at most 8 digits and a unit of H M S m u n;
      // grpc-go's server answers a malformed one with INTERNAL, as here.
      refuse(ex, out, new GrpcFault(GrpcFault.INTERNAL, "malformed grpc-timeout"));
      return;
    }
    GrpcMethod m = method(req.path());
    String service = m == null ? null : services.get(m.fullName().substring(0, m.fullName().indexOf('/')));
    if (service == null || m.clientStreaming()) {
      // statuscodes.md: "Method not found at server" is UNIMPLEMENTED
      refuse(ex, out, new GrpcFault(GrpcFault.UNIMPLEMENTED, "the method is not available through gRPC-Web here"));
      return;
    }
    MultiMap metadata;
    try {
      metadata = GrpcMetadata.fromRequest(req.headers(), ex.identityHeaders());
    } catch (GrpcFault.Refused r) {
      refuse(ex, out, r.fault());
      return;
    }
    // A browser's own grpc-timeout can only shorten the BFF's deadline, never lengthen it; when it
    // does, its running out is the browser's, not the service's.
    Deadline deadline = timeoutMs >= 0 ? ex.deadline().tightenByClient(timeoutMs) : ex.deadline();
    GrpcWebBodyReader.read(vertx, ex, new GrpcWebDeframer(mode == Mode.TEXT, maxMessageBytes), BodyReader.timeoutMs(ex))
        .onComplete(ar -> {
          if (ar.failed()) {
            GrpcFault fault = ar.cause() instanceof GrpcFault.Refused r ? r.fault()
                : new GrpcFault(GrpcFault.INTERNAL, "the request body could not be read");
            refuse(ex, out, fault);
          } else if (deadline.expired()) {
            // the client's deadline is the client's: answered without a call, counted against no service
            out.end(GrpcFault.DEADLINE_EXCEEDED, "deadline exceeded before the call", null);
          } else {
            forward(ex, out, m, service, ar.result(), metadata, deadline);
          }
        });
  }

  /** {@code /package.Service/Method} as known to the descriptor sets, or null (no regex: a map lookup). */
  private GrpcMethod method(String path) {
    if (path == null || path.length() < 4 || path.charAt(0) != '/') return null;
    return registry.method(path.substring(1));
  }

  private void forward(Exchange ex, GrpcWebResponse out, GrpcMethod m, String service, Buffer message,
      MultiMap metadata, Deadline deadline) {
    GrpcRequest call = new GrpcRequest(m.fullName(), message, metadata, deadline, ex.requestId(),
        out::write,
        // before the first message: the service's response headers become the HTTP headers
        headers -> {
          if (out.fresh()) GrpcMetadata.copyResponse(headers, ex.response().headers());
        });
    upstreams.grpc(service, call).onComplete(ar -> {
      if (ar.failed()) {
        if (deadline.cancelled()) return; // the browser left: nobody to answer
        boolean timeout = ar.cause() instanceof UpstreamException u
            && (u.kind() == UpstreamException.Kind.TIMEOUT || u.kind() == UpstreamException.Kind.CLIENT_DEADLINE);
        out.end(timeout ? GrpcFault.DEADLINE_EXCEEDED : 14,
            ar.cause() instanceof UpstreamException ? ar.cause().getMessage() : "upstream failure", null);
        return;
      }
      var g = ar.result();
      // trailers go into the body's trailer frame (or the headers of a trailers-only answer)
      out.end(g.status(), g.ok() ? null : g.statusMessage(), g.trailers());
    });
  }

  /**
   * Answers a request that never reaches the service: trailers-only with the fault's status. When
   * its body was not read to the end, what is left must not hold the connection: HTTP/1.x closes
   * after the answer (RFC 9112 §9.6), h2 resets the stream (RFC 9113 §8.1: a server may answer
   * before the request is complete, then RST_STREAM).
   */
  private static void refuse(Exchange ex, GrpcWebResponse out, GrpcFault fault) {
    HttpServerRequest req = ex.request();
    boolean unread = !req.isEnded();
    boolean h1 = req.version() != HttpVersion.HTTP_2;
    if (unread && h1) ex.response().putHeader(HttpHeaders.CONNECTION, "close");
    if (LOG.isLoggable(Level.FINE)) {
      LOG.fine("event=grpc_web_refused " + ex.logIds() + " grpc_status=" + fault.code()
          + " reason=\"" + fault.message() + "\"");
    }
    out.end(fault.code(), fault.message(), null).onComplete(v -> {
      if (!unread || req.isEnded()) return;
      if (h1) req.connection().close();
      else ex.response().reset(0); // NO_ERROR: "stop sending", RFC 9113 §8.1
    });
  }
}
