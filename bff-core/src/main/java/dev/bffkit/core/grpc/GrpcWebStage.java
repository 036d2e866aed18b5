package dev.bffkit.core.grpc;

import dev.bffkit.core.config.GrpcConfig;
import dev.bffkit.core.pipeline.Cancellation;
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
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcProtocol;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The gRPC-Web bridge: browser clients call {@code POST /package.Service/Method} with
 * {@code application/grpc-web[+proto]} or {@code application/grpc-web-text} (base64) over
 * HTTP/1.1 or h2; vertx-grpc-server's gRPC-Web support unframes the request and frames the answer
 * (trailers in the body); the message bytes pass through unchanged to the service named in
 * {@code grpc.web} over real gRPC (the same transport and resilience as {@code @grpc} fields), and
 * server-streamed messages are written as they arrive. Only the services listed in
 * {@code grpc.web} and methods in the descriptor sets are reachable (else UNIMPLEMENTED).
 * Request headers travel as metadata ({@link GrpcMetadata}; the caller's identity headers
 * included), the request's deadline as {@code grpc-timeout}; the service's response headers
 * become HTTP headers and its trailers the gRPC-Web trailer frame (binary {@code -bin} values
 * stay base64), so a browser reads them as the gRPC-Web spec says.
 */
public final class GrpcWebStage implements Stage {
  private final Map<String, String> services = new HashMap<>();
  private final DescriptorRegistry registry;
  private final UpstreamCaller upstreams;
  private final GrpcServer server;
  /** The exchange being handed to the gRPC server (its call handler runs synchronously inside handle). */
  private Exchange current;

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
    GrpcServerOptions options = new GrpcServerOptions().setMaxMessageSize(maxMessageBytes);
    options.removeEnabledProtocol(GrpcProtocol.HTTP_2);
    options.removeEnabledProtocol(GrpcProtocol.TRANSCODING);
    this.server = GrpcServer.server(vertx, options).callHandler(this::call);
  }

  @Override
  public void handle(Exchange ex, Next next) {
    HttpServerRequest req = ex.request();
    String type = req.getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/grpc-web") || req.method() != HttpMethod.POST) {
      // The route table sent this path here: it is a gRPC-Web service's, whatever else was sent.
      ex.fail(415, "unsupported_media_type", "gRPC-Web routes take POST application/grpc-web[-text][+proto]");
      return;
    }
    Cancellation.watch(ex); // a browser that leaves cancels its call (via ex.deadline())
    current = ex;
    try {
      server.handle(req);
    } finally {
      current = null;
    }
  }

  private void call(GrpcServerRequest<Buffer, Buffer> req) {
    Exchange ex = current;
    Deadline base = ex != null ? ex.deadline() : Deadline.inMillis(10_000);
    // A browser's own grpc-timeout can only shorten the BFF's deadline, never lengthen it; when it
    // does, its running out is the browser's, not the service's.
    Deadline deadline = req.timeout() > 0 ? base.tightenByClient(req.timeout()) : base;
    String requestId = ex != null ? ex.requestId() : null;
    String service = services.get(req.serviceName().fullyQualifiedName());
    GrpcMethod m = registry.method(req.fullMethodName());
    if (service == null || m == null || m.clientStreaming()) {
      req.response().status(GrpcStatus.UNIMPLEMENTED)
          .statusMessage(req.fullMethodName() + " is not available through gRPC-Web here").end();
      return;
    }
    MultiMap metadata = GrpcMetadata.fromRequest(req.headers(), ex != null ? ex.identityHeaders() : null);
    boolean[] got = {false};
    req.handler(message -> {
      if (got[0]) return; // unary and server-streaming requests carry one message
      got[0] = true;
      GrpcRequest call = new GrpcRequest(m.fullName(), message, metadata, deadline, requestId,
          each -> req.response().write(each),
          // before the first message: the service's response headers become the HTTP headers
          headers -> GrpcMetadata.copyResponse(headers, req.response().headers()));
      upstreams.grpc(service, call).onComplete(ar -> {
        if (ar.failed()) {
          if (deadline.cancelled()) return; // the browser left: nobody to answer
          boolean timeout = ar.cause() instanceof UpstreamException u
              && (u.kind() == UpstreamException.Kind.TIMEOUT || u.kind() == UpstreamException.Kind.CLIENT_DEADLINE);
          req.response().status(timeout ? GrpcStatus.DEADLINE_EXCEEDED : GrpcStatus.UNAVAILABLE)
              .statusMessage(ar.cause() instanceof UpstreamException ? ar.cause().getMessage() : "upstream failure").end();
          return;
        }
        var g = ar.result();
        // trailers go into the body's trailer frame (or the headers of a trailers-only answer)
        GrpcMetadata.copyResponse(g.trailers(), req.response().trailers());
        if (!g.ok()) req.response().status(GrpcStatus.valueOf(g.status())).statusMessage(g.statusMessage());
        req.response().end();
      });
    });
    req.endHandler(v -> {
      if (!got[0]) {
        req.response().status(GrpcStatus.INVALID_ARGUMENT).statusMessage("no request message").end();
      }
    });
  }
}
