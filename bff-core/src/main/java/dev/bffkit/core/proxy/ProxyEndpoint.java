package dev.bffkit.core.proxy;

import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.internal.LoopTimer;
import dev.bffkit.core.observe.UpstreamCall;
import dev.bffkit.core.pipeline.BodyReader;
import dev.bffkit.core.pipeline.Cancellation;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.SignedAnswer;
import dev.bffkit.core.pipeline.Stage;
import dev.bffkit.core.route.ContentRules;
import dev.bffkit.core.upstream.Service;
import dev.bffkit.core.upstream.UpstreamException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeoutException;

/**
 * A plain proxy route: streams the request body to the service and the response body back,
 * chunk by chunk with back-pressure, never holding either whole in memory. With the body WAF on,
 * a textual request body is first read up to the inspection limit ({@link BodyWaf}); that prefix
 * is sent ahead of the rest of the stream.
 *
 * <p>A client that leaves (closes its connection or resets its stream, before or during the
 * answer) costs the service nothing more: the request's {@link Cancellation} resets the upstream
 * request (RST_STREAM CANCEL on h2, the connection closed on HTTP/1.1), frees the lease, and no
 * failure is counted against the endpoint or the breaker.
 */
public final class ProxyEndpoint implements Stage {
  private static final CharSequence X_REQUEST_ID = HttpHeaders.createOptimized("x-request-id");
  private static final CharSequence X_FORWARDED_PROTO = HttpHeaders.createOptimized("x-forwarded-proto");
  private static final CharSequence X_FORWARDED_HOST = HttpHeaders.createOptimized("x-forwarded-host");
  private static final CharSequence X_FORWARDED_FOR = HttpHeaders.createOptimized("x-forwarded-for");
  private static final CharSequence HTTP = HttpHeaders.createOptimized("http");
  private static final CharSequence HTTPS = HttpHeaders.createOptimized("https");
  /** RST_STREAM error code CANCEL (RFC 9113 §7). */
  private static final long CANCEL = 0x8;
  private final ProxyRouteConfig route;
  private final Destinations destinations;
  private final Vertx vertx;
  private final BodyWaf bodyWaf;

  public ProxyEndpoint(ProxyRouteConfig route, Service service, Vertx vertx) {
    this(route, Destinations.single(service), vertx, null);
  }

  /** {@code bodyWaf} null: bodies stream through unread. */
  public ProxyEndpoint(ProxyRouteConfig route, Destinations destinations, Vertx vertx, BodyWaf bodyWaf) {
    this.route = route;
    this.destinations = destinations;
    this.vertx = vertx;
    this.bodyWaf = bodyWaf;
  }

  public ProxyRouteConfig route() {
    return route;
  }

  @Override
  public void handle(Exchange ex, Next next) {
    HttpServerRequest req = ex.request();
    // The route table answered other methods 405 (routes[].methods are the route's).
    // Parsed once; Netty has refused malformed lengths already (RFC 9112 §6.3), so MALFORMED is a backstop.
    long declared = BodyReader.declaredLength(req);
    long maxBodyBytes = ex.route().policy().maxBodyBytes();
    if (declared == BodyReader.MALFORMED || declared > maxBodyBytes) {
      BodyReader.refuse(ex, 413, "body_too_large", "request body exceeds " + maxBodyBytes + " bytes", vertx);
      return;
    }
    req.pause(); // hold the body until the upstream connection is ready
    String type = req.getHeader(HttpHeaders.CONTENT_TYPE);
    boolean body = hasBody(req, declared);
    boolean inspect = bodyWaf != null && body && bodyWaf.inspects(ex, type);
    boolean route = destinations.readsBody() && body && ContentRules.isJson(type);
    if (inspect || route || ex.readBody() != null) { // a stage before (a wasm filter) may have read it whole
      readThenCall(ex, declared, inspect, route);
    } else {
      call(ex, declared, null, destinations.pick(ex, null));
    }
  }

  /**
   * Reads the body's prefix, checks it when the body WAF inspects it, picks the destination by it
   * when a content rule reads a body field; the service is called only when it passes.
   */
  private void readThenCall(Exchange ex, long declared, boolean inspect, boolean route) {
    HttpServerRequest req = ex.request();
    int wafLimit = inspect ? bodyWaf.limit() : 0;
    if (inspect && declared > wafLimit && bodyWaf.rejectsOverLimit()) {
      BodyReader.refuse(ex, 413, "body_too_large", "request body exceeds the " + wafLimit + "-byte inspection limit", vertx);
      return;
    }
    int limit = (int) Math.min(ex.route().policy().maxBodyBytes(), Math.max(wafLimit, route ? ContentRules.BODY_LIMIT : 0));
    BodyReader.prefix(ex, limit).onSuccess(prefix -> {
      String type = req.getHeader(HttpHeaders.CONTENT_TYPE);
      if (inspect) {
        if (!prefix.complete() && bodyWaf.rejectsOverLimit()) {
          BodyReader.refuse(ex, 413, "body_too_large", "request body exceeds the " + wafLimit + "-byte inspection limit",
              vertx);
          return;
        }
        String refusal = bodyWaf.check(ex, type, prefix);
        if (refusal != null) {
          BodyReader.refuse(ex, 403, "request_blocked", refusal, vertx);
          return;
        }
      }
      Object json = route && prefix.complete() ? ContentRules.json(prefix.bytes(), type) : null;
      call(ex, declared, prefix, destinations.pick(ex, json));
    });
  }

  /** Leases an endpoint and forwards; {@code prefix} is the body read so far, or null when none was. */
  private void call(Exchange ex, long declared, BodyReader.Prefix prefix, Destinations.Destination to) {
    HttpServerRequest req = ex.request();
    Service service = to.service();
    long budget = Math.min(ex.deadline().remainingMillis(), service.config().timeout().toMillis());
    if (ex.deadline().cancelled()) return; // the client left while its body was inspected
    // Bulkhead, breaker and balancer pick; a streamed call is never retried.
    UpstreamCall observed = service.state().meters().start(ex.log(), "proxy");
    service.lease(req.method(), upstreamUri(originForm(req)), req.headers(), budget, observed, ex, to.pin())
        .onComplete(lar -> {
      if (lar.failed()) {
        req.resume();
        failUpstream(ex, service, lar.cause());
        return;
      }
      Service.Lease lease = lar.result();
      service.client().request(lease.options()).onComplete(ar -> {
        if (ar.failed()) {
          req.resume();
          failed(ex, service, lease, ar.cause());
          return;
        }
        // Failures are read from its response future; without a handler Vert.x logs our own resets as SEVERE.
        ar.result().exceptionHandler(ignored -> { });
        if (ex.deadline().cancelled()) { // the client left while the connection was being made
          ar.result().reset(CANCEL, UpstreamException.clientCancelled(service.name()));
          lease.cancelled(UpstreamException.clientCancelled(service.name()));
          return;
        }
        forward(ex, service, ar.result(), declared, prefix, budget, lease);
      });
    });
  }

  /**
   * Relaying the answer failed: the service's fault when its answer broke, else the client's (it
   * left, or its socket failed: an I/O error can come a turn before the connection's close).
   * Judged at the end of the turn, when the service's side has reported what it will.
   */
  private void relayFailed(Exchange ex, Service service, Service.Lease lease, HttpClientRequest up,
      HttpClientResponse resp, Throwable err) {
    vertx.runOnContext(v -> {
      if (resp.end().failed() && !ex.deadline().cancelled()) {
        lease.failed(err);
        failUpstream(ex, service, err);
        return;
      }
      UpstreamException u = UpstreamException.clientCancelled(service.name());
      lease.cancelled(u);
      stopRelay(resp);
      up.reset(CANCEL, u); // stop the service's stream too
      if (!ex.response().ended() && !ex.response().closed()) ex.response().reset();
    });
  }

  /**
   * Drops what the service still sends: chunks already read would otherwise reach the relay's
   * pipe after the client's response is gone, and Vert.x's pipe then throws (an unhandled
   * IllegalStateException, "Response has already been written").
   */
  private static void stopRelay(HttpClientResponse resp) {
    resp.handler(null);
  }

  /**
   * An upstream exchange that failed: the service's fault, or the client's. A client's close or
   * reset reaches the request and response streams (and so fails the pipes to and from the
   * service) before the response's close handler fires the {@link Cancellation}, all in the
   * same event-loop turn; so the verdict waits for the end of the turn.
   */
  private void failed(Exchange ex, Service service, Service.Lease lease, Throwable err) {
    vertx.runOnContext(v -> {
      if (ex.deadline().cancelled() || ex.response().closed()) {
        lease.cancelled(UpstreamException.clientCancelled(service.name()));
      } else {
        lease.failed(err);
        failUpstream(ex, service, err);
      }
    });
  }

  private void forward(Exchange ex, Service service, HttpClientRequest up, long declared, BodyReader.Prefix prefix,
      long budget, Service.Lease lease) {
    HttpServerRequest req = ex.request();
    // The client's end-to-end headers first (its Connection-named ones dropped), then the
    // gateway's own, so a client's "Connection: x-user-id" cannot remove what the gateway sets.
    HopByHop.copy(req.headers(), up.headers());
    if (ex.identityHeaders() != null) {
      for (var h : ex.identityHeaders()) up.headers().set(h.getKey(), h.getValue());
    }
    up.putHeader(X_REQUEST_ID, ex.requestId());
    // The gateway's trace context, never the client's as sent (W3C Trace Context §3.2).
    lease.observed().putTraceHeaders(up.headers());
    up.putHeader("x-request-timeout-ms", Long.toString(budget));
    up.putHeader(X_FORWARDED_PROTO, req.isSSL() ? HTTPS : HTTP);
    String host = req.getHeader(HttpHeaders.HOST);
    if (host == null && req.authority() != null) host = req.authority().toString(); // HTTP/2 :authority
    if (host != null) up.putHeader(X_FORWARDED_HOST, host);
    if (req.remoteAddress() != null) {
      String prior = req.getHeader("x-forwarded-for");
      String peer = req.remoteAddress().hostAddress();
      up.putHeader(X_FORWARDED_FOR, prior == null ? peer : prior + ", " + peer);
    }
    // One timer bounds the whole exchange, streaming included: the deadline is absolute.
    ScheduledFuture<?> timer = LoopTimer.start(vertx, budget, () -> up.reset(CANCEL, new TimeoutException()));
    Cancellation cancellation = ex.deadline().cancellation();
    HttpClientResponse[] relaying = {null};
    Runnable gone = () -> {
      cancel(timer);
      UpstreamException u = UpstreamException.clientCancelled(service.name());
      lease.cancelled(u);
      if (relaying[0] != null) stopRelay(relaying[0]);
      up.reset(CANCEL, u);
    };
    if (cancellation != null) cancellation.onCancel(gone);
    Future<HttpClientResponse> answer;
    boolean[] clientFault = {false};
    if (prefix != null && prefix.complete()) {
      answer = up.send(prefix.bytes()); // read whole: sent with its length
    } else if (prefix != null || hasBody(req, declared)) {
      answer = stream(ex, prefix, up, clientFault);
    } else {
      req.resume();
      answer = up.send();
    }
    answer.onComplete(ar -> {
      if (ar.failed()) {
        cancel(timer);
        if (cancellation != null) cancellation.remove(gone);
        if (clientFault[0]) { // a call the client's own body broke off counts against no service
          lease.cancelled();
          failUpstream(ex, service, ar.cause());
        } else {
          failed(ex, service, lease, ar.cause());
        }
        return;
      }
      HttpClientResponse resp = ar.result();
      relaying[0] = resp;
      HttpServerResponse out = ex.response();
      out.setStatusCode(resp.statusCode());
      HopByHop.copy(resp.headers(), out.headers());
      // As out.send(resp), but a failed relay leaves the answer open: ending it (the pipe's default)
      // while a chunk is being written to a client that just left throws in Vert.x's pipe.
      if (!out.headers().contains(HttpHeaders.CONTENT_LENGTH)) out.setChunked(true);
      // An audited route's body is signed as it is relayed, a filtered route's passes its filters; any other goes
      // straight to the response.
      boolean throughExchange = (ex.log() != null && ex.log().digestsBodies()) || filtered(ex);
      resp.pipe().endOnFailure(false).to(throughExchange ? new SignedAnswer(ex) : out).onComplete(done -> {
        cancel(timer);
        if (cancellation != null) cancellation.remove(gone);
        if (done.failed()) {
          relayFailed(ex, service, lease, up, resp, done.cause());
        } else {
          lease.done(resp.statusCode());
        }
      });
    });
  }

  /**
   * The prefix read (if any), then the rest of the body with back-pressure, within the route's
   * byte limit and minimum rate. A client that aborts mid-body, or a body that breaks a limit,
   * resets the upstream request rather than ending it: a cut body must not reach the service as
   * a whole one.
   */
  private static Future<HttpClientResponse> stream(Exchange ex, BodyReader.Prefix prefix, HttpClientRequest up,
      boolean[] clientFault) {
    if (!up.headers().contains(HttpHeaders.CONTENT_LENGTH)) up.setChunked(true);
    long read = 0;
    if (prefix != null) {
      up.write(prefix.bytes());
      read = prefix.bytes().length();
    }
    BodyReader.stream(ex, up, read, () -> {
      clientFault[0] = true;
      up.reset(0, new BodyReader.Refused(400, "client body refused"));
    });
    return up.response();
  }

  /** The route's Proxy-Wasm filters see the answer. */
  private static boolean filtered(Exchange ex) {
    return !ex.route().policy().wasm().isEmpty();
  }

  private static void cancel(ScheduledFuture<?> timer) {
    LoopTimer.cancel(timer);
  }

  /** {@code declared}: the Content-Length, or -1. EdgeStage admits no Transfer-Encoding but "chunked". */
  private static boolean hasBody(HttpServerRequest req, long declared) {
    if (declared >= 0) return declared > 0;
    if (req.version() == HttpVersion.HTTP_2) return !req.isEnded();
    return req.headers().contains(HttpHeaders.TRANSFER_ENCODING);
  }

  /**
   * The request-target in origin-form (RFC 9112 §3.2.1): path and query. An absolute-form target
   * ({@code GET http://other.host/api/x}, §3.2.2) is routed by its path and never forwarded as sent.
   */
  static String originForm(HttpServerRequest req) {
    String uri = req.uri();
    if (!uri.isEmpty() && uri.charAt(0) == '/') return uri;
    String query = req.query();
    return query == null ? req.path() : req.path() + '?' + query;
  }

  /** Removes {@code stripPrefix}; the rest of the URI (and its query) is passed as the client sent it. */
  String upstreamUri(String uri) {
    String strip = route.stripPrefix();
    if (!strip.isEmpty() && uri.startsWith(strip)) {
      String rest = uri.substring(strip.length());
      return rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest;
    }
    return uri;
  }

  private static void failUpstream(Exchange ex, Service service, Throwable err) {
    if (ex.deadline().cancelled()) return; // nobody to answer
    if (ex.answered()) {
      if (!ex.response().ended()) ex.response().reset();
      return;
    }
    boolean timeout = err instanceof TimeoutException || err.getCause() instanceof TimeoutException;
    if (timeout) {
      ex.fail(504, "upstream_timeout", service.name() + " did not answer before the deadline");
    } else if (err instanceof UpstreamException ue) {
      switch (ue.kind()) {
        case BREAKER_OPEN, UNAVAILABLE -> ex.fail(503, "upstream_unavailable", ue.getMessage());
        case OVERLOADED -> ex.fail(503, "upstream_overloaded", ue.getMessage());
        case TIMEOUT -> ex.fail(504, "upstream_timeout", ue.getMessage());
        default -> ex.fail(502, "upstream_error", ue.getMessage());
      }
    } else {
      ex.fail(502, "upstream_error", service.name() + " is unreachable or closed the connection");
    }
  }
}
