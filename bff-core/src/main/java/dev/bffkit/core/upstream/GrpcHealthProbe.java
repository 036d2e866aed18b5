package dev.bffkit.core.upstream;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.bffkit.core.config.ServiceConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.common.GrpcStatus;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A gRPC service's health check, the standard way (gRPC doc/health-checking.md): a unary
 * {@code grpc.health.v1.Health/Check} for the configured service name ({@code ""}, the default,
 * asks about the server as a whole). SERVING passes; NOT_SERVING, SERVICE_UNKNOWN, UNKNOWN, any
 * non-OK status (UNIMPLEMENTED: the server has no health service), an unreadable answer or no
 * answer within {@code timeout} fails. Its own client (h2c with prior knowledge, or TLS with the
 * service's {@code tls} for {@code https://} endpoints), apart from the calls' pools.
 */
final class GrpcHealthProbe implements HealthChecker.Probe {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.upstream");

  private final Vertx vertx;
  private final String name;
  private final Buffer request;
  private final long timeoutMs;
  private final GrpcClient plain;
  private final GrpcClient tls;

  GrpcHealthProbe(Vertx vertx, ServiceConfig service) {
    this.vertx = vertx;
    this.name = service.name();
    this.request = GrpcHealthProto.request(service.healthCheck().service());
    this.timeoutMs = service.healthCheck().timeout().toMillis();
    HttpClientOptions h2 = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false)
        .setKeepAlive(true).setConnectTimeout((int) timeoutMs).setName("bff-health-grpc-" + name);
    this.plain = GrpcClient.builder(vertx).with(h2).build();
    this.tls = service.endpoints().stream().anyMatch(u -> "https".equals(u.getScheme()))
        ? GrpcClient.builder(vertx).with(UpstreamTls.apply(new HttpClientOptions(h2).setSsl(true).setUseAlpn(true),
            service.tls())).build()
        : null;
  }

  @Override
  public Future<Boolean> check(Endpoint e) {
    Promise<Boolean> result = Promise.promise();
    GrpcClient client = e.tls() && tls != null ? tls : plain;
    @SuppressWarnings("unchecked")
    GrpcClientRequest<Buffer, Buffer>[] sent = new GrpcClientRequest[1];
    long timer = vertx.setTimer(timeoutMs, id -> {
      if (result.tryComplete(false) && sent[0] != null) sent[0].cancel();
    });
    client.request(SocketAddress.inetSocketAddress(e.port(), e.host())).compose(req -> {
      sent[0] = req;
      req.fullMethodName(GrpcHealthProto.CHECK);
      req.timeout(timeoutMs, TimeUnit.MILLISECONDS);
      req.end(request);
      return req.response();
    }).compose(resp -> resp.last().map(message -> {
      if (resp.status() != GrpcStatus.OK) return false;
      try {
        GrpcHealthProto.ServingStatus s = GrpcHealthProto.status(message);
        if (s != GrpcHealthProto.ServingStatus.SERVING && LOG.isLoggable(Level.FINE)) {
          LOG.fine("event=health_check_status service=" + name + " endpoint=" + e + " status=" + s);
        }
        return s == GrpcHealthProto.ServingStatus.SERVING;
      } catch (InvalidProtocolBufferException bad) {
        return false;
      }
    })).onComplete(ar -> {
      vertx.cancelTimer(timer);
      result.tryComplete(ar.succeeded() && ar.result());
    });
    return result.future();
  }

  void close() {
    plain.close();
    if (tls != null) tls.close();
  }
}
