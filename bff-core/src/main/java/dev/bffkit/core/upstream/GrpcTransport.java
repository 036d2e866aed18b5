package dev.bffkit.core.upstream;

import dev.bffkit.core.internal.LoopTimer;
import dev.bffkit.core.observe.Outcome;
import dev.bffkit.core.observe.UpstreamCall;
import dev.bffkit.core.pipeline.Cancellation;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * gRPC calls of one event loop over vertx-grpc-client, one multiplexed HTTP/2 connection per
 * endpoint: h2c with prior knowledge for {@code http://} endpoints, TLS with ALPN h2 for
 * {@code https://} ones (the service's {@code tls}: CA, client certificate, host verification;
 * one client per such service, since each may trust and present different certificates). Each call is admitted like a proxied request
 * ({@link Service#lease}: bulkhead slot, breaker, balancer pick), carries its budget as
 * {@code grpc-timeout} and is cancelled (RST_STREAM) when the budget runs out. The statuses that
 * mean the service is in trouble (UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL,
 * UNAVAILABLE, DATA_LOSS) count against the endpoint and the breaker like a 5xx. Never retried
 * (gRPC methods are not known to be idempotent). When the client leaves (the request's
 * {@link Cancellation}) the stream is cancelled at once (RST_STREAM CANCEL, which the service
 * sees as CANCELLED) and, like a deadline the client chose running out, nothing is counted.
 */
final class GrpcTransport {
  private static final int DEADLINE_EXCEEDED = 4;
  /** Timers and the service's clock may differ by about a millisecond. */
  private final Vertx vertx;
  private final int maxMessageBytes;
  private GrpcClient client;
  private final Map<String, GrpcClient> tlsClients = new HashMap<>();

  GrpcTransport(Vertx vertx, int maxMessageBytes) {
    this.vertx = vertx;
    this.maxMessageBytes = maxMessageBytes;
  }

  /** Creates the client now (no connection yet), off the first call's clock. */
  void prepare() {
    client();
  }

  private GrpcClient client() {
    if (client == null) client = build(options().setHttp2ClearTextUpgrade(false).setName("bff-grpc"));
    return client;
  }

  private GrpcClient tlsClient(Service service) {
    GrpcClient c = tlsClients.get(service.name());
    if (c == null) {
      HttpClientOptions o = UpstreamTls.apply(options().setSsl(true).setUseAlpn(true)
          .setConnectTimeout((int) service.config().connectTimeout().toMillis())
          .setName("bff-grpc-" + service.name()), service.config().tls());
      c = build(o);
      tlsClients.put(service.name(), c);
    }
    return c;
  }

  private static HttpClientOptions options() {
    return new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setTcpNoDelay(true).setKeepAlive(true);
  }

  private GrpcClient build(HttpClientOptions http) {
    return GrpcClient.builder(vertx).with(new GrpcClientOptions().setMaxMessageSize(maxMessageBytes)).with(http).build();
  }

  /**
   * Opens this loop's HTTP/2 connection to each endpoint of {@code service} before the first
   * call needs it, so that the first request does not pay the handshake (and the first use of
   * the HTTP/2 client's classes, ~130 of them) against its {@code @timeout}. No request is sent:
   * the stream is cancelled before it exists on the wire. Fire and forget: nothing waits for it,
   * and a service that is down at start-up is the breaker's and the health checks' business.
   */
  void preconnect(Service service) {
    for (EndpointState e : service.state().endpoints().all()) {
      Endpoint at = e.endpoint;
      GrpcClient c = at.tls() ? tlsClient(service) : client();
      c.request(SocketAddress.inetSocketAddress(at.port(), at.host())).onSuccess(GrpcClientRequest::cancel);
    }
  }

  /** {@code clientEnd}: the budget ends at a deadline the client chose (its running out is not the service's fault). */
  Future<GrpcResponse> call(Service service, GrpcRequest req, long budgetMs, boolean clientEnd, UpstreamCall observed) {
    return service.lease(HttpMethod.POST, "/" + req.fullMethod(), req.metadata(), budgetMs, observed,
            req.deadline() == null ? null : req.deadline().caller())
        .compose(lease -> send(service, lease, req, budgetMs, clientEnd));
  }

  private Future<GrpcResponse> send(Service service, Service.Lease lease, GrpcRequest req, long budgetMs,
      boolean clientEnd) {
    String name = service.name();
    Promise<GrpcResponse> result = Promise.promise();
    RequestOptions o = lease.options();
    @SuppressWarnings("unchecked")
    GrpcClientRequest<Buffer, Buffer>[] sent = new GrpcClientRequest[1];
    long endNanos = System.nanoTime() + budgetMs * 1_000_000L;
    // The service enforces the grpc-timeout we sent, from when it received it: a failure that
    // arrives once the deadline is up (a reset) is the deadline's, and the client's if it chose it.
    ScheduledFuture<?> timer = LoopTimer.start(vertx, budgetMs, () -> {
      UpstreamException timeout = Calls.timeout(name, clientEnd);
      if (result.tryFail(timeout)) {
        lease.failed(timeout); // a client's deadline: Lease.failed counts nothing
        if (sent[0] != null) sent[0].cancel();
      }
    });
    Cancellation cancellation = req.deadline() == null ? null : req.deadline().cancellation();
    if (cancellation != null) {
      Runnable gone = () -> {
        UpstreamException u = Calls.clientCancelled(name);
        if (result.tryFail(u)) {
          LoopTimer.cancel(timer);
          lease.cancelled(u);
          if (sent[0] != null) sent[0].cancel(); // not yet created: cancelled when it is (below)
        }
      };
      cancellation.onCancel(gone);
      result.future().onComplete(ar -> cancellation.remove(gone));
    }
    GrpcClient c = Boolean.TRUE.equals(o.isSsl()) ? tlsClient(service) : client();
    c.request(SocketAddress.inetSocketAddress(o.getPort(), o.getHost())).onComplete(ar -> {
      if (ar.failed()) {
        fail(name, lease, result, timer, ar.cause(), endNanos, clientEnd);
        return;
      }
      GrpcClientRequest<Buffer, Buffer> r = ar.result();
      if (result.future().isComplete()) {
        r.cancel();
        return;
      }
      sent[0] = r;
      r.fullMethodName(req.fullMethod());
      r.timeout(Math.max(1, budgetMs), TimeUnit.MILLISECONDS);
      if (req.metadata() != null) r.headers().addAll(req.metadata());
      if (req.requestId() != null) r.headers().set(Calls.X_REQUEST_ID, req.requestId());
      lease.observed().putTraceHeaders(r.headers());
      r.response().onComplete(rr -> {
        if (rr.failed()) {
          fail(name, lease, result, timer, rr.cause(), endNanos, clientEnd);
          return;
        }
        GrpcClientResponse<Buffer, Buffer> resp = rr.result();
        if (req.onHeaders() != null && !result.future().isComplete()) req.onHeaders().handle(resp.headers());
        List<Buffer> messages = new ArrayList<>(1);
        resp.handler(b -> {
          if (result.future().isComplete()) return;
          if (req.onMessage() != null) req.onMessage().handle(b);
          else messages.add(b);
        });
        resp.exceptionHandler(err -> fail(name, lease, result, timer, err, endNanos, clientEnd));
        resp.endHandler(v -> {
          LoopTimer.cancel(timer);
          int status = resp.status() == null ? 2 : resp.status().code;
          if (result.future().isComplete()) return;
          if (status == DEADLINE_EXCEEDED && clientEnd && Calls.late(endNanos)) {
            lease.cancelled(Calls.clientDeadline(name));
          } else {
            // The call's record gets the gRPC status itself (the lease's 503/200 is for the breaker).
            lease.observed().end(troubled(status) ? Outcome.SERVER_ERROR : Outcome.OK, status);
            lease.done(troubled(status) ? 503 : 200);
          }
          result.tryComplete(new GrpcResponse(status, statusMessage(resp), messages, resp.trailers(), resp.headers()));
        });
      });
      r.end(req.message());
    });
    return result.future();
  }

  private void fail(String name, Service.Lease lease, Promise<GrpcResponse> result, ScheduledFuture<?> timer, Throwable err,
      long endNanos, boolean clientEnd) {
    LoopTimer.cancel(timer);
    UpstreamException u = !Calls.clientFault(err) && Calls.late(endNanos)
        ? Calls.timeout(name, clientEnd) : Calls.translate(name, err);
    if (result.tryFail(u)) lease.failed(u);
  }

  /** Statuses that say the service (not the request) is in trouble. */
  static boolean troubled(int status) {
    return switch (status) {
      case 2, 4, 8, 13, 14, 15 -> true;
      default -> false;
    };
  }

  private static String statusMessage(GrpcClientResponse<Buffer, Buffer> resp) {
    String m = resp.trailers() == null ? null : resp.trailers().get("grpc-message");
    if (m == null) m = resp.headers().get("grpc-message");
    if (m == null) return "";
    try {
      return URLDecoder.decode(m.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return m;
    }
  }

  void close() {
    if (client != null) client.close();
    tlsClients.values().forEach(GrpcClient::close);
  }
}
