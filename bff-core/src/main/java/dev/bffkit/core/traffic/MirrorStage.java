package dev.bffkit.core.traffic;

import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.pipeline.BodyReader;
import dev.bffkit.core.pipeline.BodyTap;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Stage;
import dev.bffkit.core.proxy.HopByHop;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.route.RouteKind;
import dev.bffkit.core.route.RouteTable;
import dev.bffkit.core.upstream.HttpUpstreams;
import dev.bffkit.core.upstream.Service;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Traffic mirroring ({@code traffic.mirrors}): a share of a route's requests is copied to a shadow service,
 * fire-and-forget. Runs after the rate limits, so only admitted requests are copied. The client's request proceeds
 * first and never waits for, nor sees, its copy: the copy has its own timeout (the shadow service's), its own
 * bulkhead, breaker and endpoints (the shadow's, so a failing shadow never opens the main service's breaker), and a
 * BFF-wide cap on copies in flight ({@code maxConcurrent}; beyond it a copy is skipped and counted). The copy's
 * answer is read and dropped; when both answers are in, their status classes are compared.
 *
 * <p>A request with a body is copied once its body has been read whole by its target: the {@link BodyReader} shows
 * the copy each chunk as the target reads it ({@link BodyTap}), so the client's body is read once, at the client's
 * pace, and the copy never applies back-pressure. The copy holds at most {@code maxBodyBytes}; a longer body, a body
 * the client cuts off or the gateway refuses, or one the target never reads (it answered first) is not copied and is
 * counted {@code skipped_body}, as are gRPC-Web bodies (read frame by frame, not by the body reader).
 */
public final class MirrorStage implements Stage {
  private static final CharSequence X_BFF_MIRROR = HttpHeaders.createOptimized("x-bff-mirror");
  private static final CharSequence ONE = HttpHeaders.createOptimized("1");
  private static final CharSequence X_REQUEST_ID = HttpHeaders.createOptimized("x-request-id");
  private static final CharSequence X_REQUEST_TIMEOUT_MS = HttpHeaders.createOptimized("x-request-timeout-ms");
  private static final CharSequence X_FORWARDED_PROTO = HttpHeaders.createOptimized("x-forwarded-proto");
  private static final CharSequence X_FORWARDED_HOST = HttpHeaders.createOptimized("x-forwarded-host");
  private static final CharSequence X_FORWARDED_FOR = HttpHeaders.createOptimized("x-forwarded-for");
  /** RST_STREAM error code CANCEL (RFC 9113 §7). */
  private static final long CANCEL = 0x8;

  private final Vertx vertx;
  /** By route id; null for a route without a mirror. */
  private final MirrorMeters[] meters;
  /** By route id: a proxy route's {@code stripPrefix} (the copy goes as the proxy forwards it), else null. */
  private final String[] strip;
  /** By route id: the shadow, resolved once on this loop. */
  private final Service[] shadows;

  /** One event loop's stage; {@code upstreams} is that loop's (the copy's connection is on this loop). */
  public MirrorStage(Vertx vertx, HttpUpstreams upstreams, RouteTable routes, MeterRegistry registry) {
    this.vertx = vertx;
    int ids = 0; // route ids index the arrays; they need not be dense
    for (Route r : routes.routes()) ids = Math.max(ids, r.id() + 1);
    this.meters = new MirrorMeters[ids];
    this.strip = new String[ids];
    this.shadows = new Service[ids];
    for (Route r : routes.routes()) {
      if (r.policy().mirror() == null) continue;
      meters[r.id()] = new MirrorMeters(r.name(), registry);
      shadows[r.id()] = upstreams.service(r.policy().mirror().service());
      if (r.kind() == RouteKind.PROXY && r.source() instanceof ProxyRouteConfig p && !p.stripPrefix().isEmpty()) {
        strip[r.id()] = p.stripPrefix();
      }
    }
  }

  /** Whether any route is mirrored (else the stage is left out of the pipeline). */
  public static boolean any(RouteTable routes) {
    for (Route r : routes.routes()) if (r.policy().mirror() != null) return true;
    return false;
  }

  @Override
  public void handle(Exchange ex, Next next) {
    RouteMirror mirror = ex.route().policy().mirror();
    if (mirror == null || !chosen(mirror.share())) {
      next.proceed(ex);
      return;
    }
    int id = ex.route().id();
    MirrorMeters m = id < meters.length ? meters[id] : null;
    if (m == null) { // a route of another table than this stage was built with: never copied, never fails
      next.proceed(ex);
      return;
    }
    HttpServerRequest req = ex.request();
    boolean bodiless = bodiless(req);
    if (!bodiless && (ex.route().kind() == RouteKind.GRPC_WEB || BodyReader.declaredLength(req) > mirror.maxBodyBytes())) {
      m.skippedBody.increment();
      next.proceed(ex);
      return;
    }
    Service service = shadows[id];
    if (service == null) { // a shadow this loop's upstreams do not know (declared by a later config): no copy
      m.failed.increment();
      next.proceed(ex);
      return;
    }
    if (!mirror.tryAcquire()) {
      m.skippedBusy.increment();
      next.proceed(ex);
      return;
    }
    // Read before the target runs: the copy is the request as it reached the target.
    Copy copy = new Copy(mirror, m);
    HttpMethod method = req.method();
    String uri = uri(req, strip[id]);
    long timeout = service.config().timeout().toMillis();
    MultiMap headers = headers(ex, timeout);
    ex.response().headersEndHandler(v -> copy.primary(ex.response().getStatusCode()));
    if (bodiless) {
      next.proceed(ex); // the client's request first; the copy follows, and nothing of it reaches the client
      send(copy, service, method, uri, headers, timeout, null);
      return;
    }
    // The copy leaves when the target has read the body whole; a body that never ends frees its slot by the deadline.
    BodyCopy tap = new BodyCopy(copy, mirror.maxBodyBytes(), body -> send(copy, service, method, uri, headers, timeout, body));
    tap.timer = vertx.setTimer(Math.max(1, ex.deadline().remainingMillis()), t -> tap.abort());
    ex.bodyTap(tap);
    next.proceed(ex);
  }

  /** A cheap per-request draw, no lock; 100 % and 0 % draw nothing. */
  private static boolean chosen(double share) {
    if (share >= 1) return true;
    return share > 0 && ThreadLocalRandom.current().nextDouble() < share;
  }

  /** No body: a method that does not carry one, with neither framing header (RFC 9112 §6.3); h2 by its END_STREAM. */
  static boolean bodiless(HttpServerRequest req) {
    HttpMethod m = req.method();
    if (m != HttpMethod.GET && m != HttpMethod.HEAD && m != HttpMethod.DELETE && m != HttpMethod.OPTIONS) return false;
    long declared = BodyReader.declaredLength(req);
    if (declared > 0 || declared == BodyReader.MALFORMED) return false;
    if (req.headers().contains(HttpHeaders.TRANSFER_ENCODING)) return false;
    return req.version() != HttpVersion.HTTP_2 || declared == 0 || req.isEnded();
  }

  /** Origin-form (RFC 9112 §3.2.1), with a proxy route's {@code stripPrefix} removed as the proxy does. */
  static String uri(HttpServerRequest req, String strip) {
    String uri = req.uri();
    if (uri.isEmpty() || uri.charAt(0) != '/') { // absolute-form (§3.2.2): routed and copied by its path
      String query = req.query();
      uri = query == null ? req.path() : req.path() + '?' + query;
    }
    if (strip != null && uri.startsWith(strip)) {
      String rest = uri.substring(strip.length());
      return rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest;
    }
    return uri;
  }

  /**
   * The headers as the proxy forwards them: the client's end-to-end ones, then the gateway's own (identity headers
   * from verified claims, request id, forwarding headers), and {@code x-bff-mirror: 1} so the shadow can tell a copy
   * (the edge drops a client's own {@code x-bff-mirror}).
   */
  private static MultiMap headers(Exchange ex, long timeout) {
    HttpServerRequest req = ex.request();
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    HopByHop.copy(req.headers(), h);
    if (ex.identityHeaders() != null) {
      for (Map.Entry<String, String> e : ex.identityHeaders()) h.set(e.getKey(), e.getValue());
    }
    h.set(X_REQUEST_ID, ex.requestId());
    h.set(X_REQUEST_TIMEOUT_MS, Long.toString(timeout));
    h.set(X_FORWARDED_PROTO, req.isSSL() ? "https" : "http");
    String host = req.getHeader(HttpHeaders.HOST);
    if (host == null && req.authority() != null) host = req.authority().toString(); // HTTP/2 :authority
    if (host != null) h.set(X_FORWARDED_HOST, host);
    if (req.remoteAddress() != null) {
      String prior = req.getHeader(X_FORWARDED_FOR);
      String peer = req.remoteAddress().hostAddress();
      h.set(X_FORWARDED_FOR, prior == null ? peer : prior + ", " + peer);
    }
    h.set(X_BFF_MIRROR, ONE);
    return h;
  }

  /** Admitted by the shadow's bulkhead and breaker, on an endpoint of its balancer, within its timeout. */
  private void send(Copy copy, Service service, HttpMethod method, String uri, MultiMap headers, long timeout,
      Buffer body) {
    service.lease(method, uri, headers, timeout, service.state().meters().start(null, "mirror")).onComplete(lar -> {
      if (lar.failed()) {
        copy.refused();
        return;
      }
      Service.Lease lease = lar.result();
      copy.started(lease, vertx.setTimer(timeout, t -> copy.timedOut()));
      service.client().request(lease.options()).onComplete(ar -> {
        if (ar.failed()) {
          copy.failed(ar.cause());
          return;
        }
        HttpClientRequest up = ar.result();
        up.exceptionHandler(ignored -> { }); // failures are read from the response future
        if (!copy.connected(up)) return; // timed out while connecting
        up.headers().addAll(headers);
        (body == null ? up.send() : up.send(body)).compose(resp -> {
          resp.exceptionHandler(ignored -> { });
          resp.handler(dropped -> { }); // read and discarded
          return resp.end().map(v -> resp.statusCode());
        }).onComplete(r -> {
          if (r.succeeded()) copy.answered(r.result());
          else copy.failed(r.cause());
        });
      });
    });
  }

  /** Collects the body for a copy as the target reads it; sends the copy when it ended whole within the limit. */
  private final class BodyCopy implements BodyTap {
    private final Copy copy;
    private final int limit;
    private final Consumer<Buffer> send;
    private Buffer bytes = Buffer.buffer();
    private boolean done;
    long timer = -1;

    BodyCopy(Copy copy, int limit, Consumer<Buffer> send) {
      this.copy = copy;
      this.limit = limit;
      this.send = send;
    }

    @Override
    public void chunk(Buffer chunk) {
      if (done || bytes == null) return;
      if (bytes.length() + chunk.length() > limit) bytes = null; // too long to copy: dropped, not held
      else bytes.appendBuffer(chunk);
    }

    @Override
    public void end() {
      if (!finish()) return;
      if (bytes == null) copy.skippedBody();
      else send.accept(bytes);
    }

    @Override
    public void abort() {
      if (finish()) copy.skippedBody();
    }

    private boolean finish() {
      if (done) return false;
      done = true;
      if (timer >= 0) vertx.cancelTimer(timer);
      return true;
    }
  }

  /**
   * One copy in flight: ends exactly once (answered, failed, refused or timed out), then frees its slot. Every callback
   * runs on the request's event loop (the client and server of one loop), so no field needs a fence.
   */
  private final class Copy {
    private final RouteMirror mirror;
    private final MirrorMeters meters;
    private Service.Lease lease;
    private long timer = -1;
    private HttpClientRequest up;
    private boolean ended;
    private int primaryStatus;
    private int mirrorStatus;

    Copy(RouteMirror mirror, MirrorMeters meters) {
      this.mirror = mirror;
      this.meters = meters;
    }

    /** The client's answer is committed (its head is being written). */
    void primary(int status) {
      primaryStatus = status;
      if (mirrorStatus != 0) meters.compare(primaryStatus, mirrorStatus);
    }

    void started(Service.Lease l, long t) {
      lease = l;
      timer = t;
    }

    /** False when the copy has ended meanwhile (the request is then reset). */
    boolean connected(HttpClientRequest request) {
      if (ended) {
        request.reset(CANCEL);
        return false;
      }
      up = request;
      return true;
    }

    void answered(int status) {
      if (!end()) return;
      lease.done(status); // a shadow's 5xx counts against the shadow's breaker and endpoint, nobody else's
      meters.sent.increment();
      mirrorStatus = status;
      if (primaryStatus != 0) meters.compare(primaryStatus, mirrorStatus);
    }

    /** The body was not copied (too long, cut off, or never read): no call was made. */
    void skippedBody() {
      if (!end()) return;
      meters.skippedBody.increment();
    }

    /** The shadow's bulkhead, breaker or balancer refused it: no call was made. */
    void refused() {
      if (!end()) return;
      meters.failed.increment();
    }

    void failed(Throwable err) {
      if (!end()) return;
      lease.failed(err);
      meters.failed.increment();
    }

    void timedOut() {
      if (ended) return;
      TimeoutException err = new TimeoutException();
      if (up != null) up.reset(CANCEL, err);
      timer = -1;
      failed(err);
    }

    private boolean end() {
      if (ended) return false;
      ended = true;
      if (timer >= 0) vertx.cancelTimer(timer);
      mirror.release();
      return true;
    }
  }
}
