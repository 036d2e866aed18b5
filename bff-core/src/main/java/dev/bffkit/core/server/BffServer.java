package dev.bffkit.core.server;

import dev.bffkit.core.admin.HealthStage;
import dev.bffkit.core.admin.Readiness;
import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.compose.GraphqlEndpoint;
import dev.bffkit.core.compose.ScreenEndpoint;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.Http3Config;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.ServerConfig;
import dev.bffkit.core.config.TlsConfig;
import dev.bffkit.core.grpc.GrpcWebStage;
import dev.bffkit.core.grpc.TranscodeStage;
import dev.bffkit.core.observe.Observability;
import dev.bffkit.core.observe.RequestLog;
import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Pipeline;
import dev.bffkit.core.pipeline.Stage;
import dev.bffkit.core.pipeline.WarmAhead;
import dev.bffkit.core.proxy.BodyWaf;
import dev.bffkit.core.proxy.Destinations;
import dev.bffkit.core.proxy.ProxyEndpoint;
import dev.bffkit.core.ratelimit.RateLimitStage;
import dev.bffkit.core.ratelimit.RateLimiting;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.route.RouteStage;
import dev.bffkit.core.route.RouteTable;
import dev.bffkit.core.route.TargetStage;
import dev.bffkit.core.security.AuthStage;
import dev.bffkit.core.server.h3.Http3Listener;
import dev.bffkit.core.security.Security;
import dev.bffkit.core.security.StaticFilterStage;
import dev.bffkit.core.traffic.MirrorStage;
import dev.bffkit.core.wasm.WasmStage;
import dev.bffkit.core.upstream.HttpUpstreams;
import dev.bffkit.core.upstream.UpstreamRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.PemTrustOptions;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * One event loop's share of a BFF: its listener (HTTP/1.1 and h2c on a shared port), its
 * upstream pools and its stage pipeline. Deployed once per core; the composition engine is
 * built once and shared, since it is immutable.
 */
public final class BffServer extends VerticleBase {
  private static final CharSequence ALT_SVC = HttpHeaders.createOptimized("alt-svc");
  // The config generation: replaced by swap() on this verticle's loop, read only there.
  private BffConfig config;
  private CompositionEngine engine;
  private Security security;
  private RouteTable routes;
  private RateLimiting rateLimiting;
  private final Readiness readiness;
  private final int port;
  private final UpstreamRegistry registry;
  private final AtomicInteger openConnections;
  private final Observability observe;
  private ConnectionGuard guard;
  private TlsReloader tls;
  private boolean clientCerts;
  private HttpServer server;
  /** The HTTP/3 listener (server.http3), null when off. */
  private Http3Listener h3;
  /** {@code Alt-Svc} for TCP answers when HTTP/3 is on (RFC 7838), else null. */
  private String altSvc;
  private HttpUpstreams upstreams;
  /** Callers a services reload replaced, serving the requests that started on them until the drain grace ends. */
  private final List<HttpUpstreams> retiring = new ArrayList<>();
  private Pipeline pipeline;
  /** The public developer portal's target (portal.public), null when off; it follows reloads by itself. */
  private Stage portal;

  /**
   * {@code routes} is the BFF's route table (compiled once, shared); {@code registry} the BFF-wide
   * upstream state (breakers, endpoints, budgets); {@code security} the BFF-wide auth state (keys,
   * API keys), null when auth is off; {@code rateLimiting} the BFF-wide limiter, null when no
   * limits are configured; {@code openConnections} the BFF-wide count of client
   * connections (limits.maxConnections).
   */
  public BffServer(BffConfig config, CompositionEngine engine, RouteTable routes, Readiness readiness, int port,
      UpstreamRegistry registry, Security security, RateLimiting rateLimiting, AtomicInteger openConnections,
      Observability observe) {
    this.routes = routes;
    this.rateLimiting = rateLimiting;
    this.observe = observe;
    this.security = security;
    this.openConnections = openConnections;
    this.config = config;
    this.registry = registry;
    this.engine = engine;
    this.readiness = readiness;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    upstreams = new HttpUpstreams(vertx, registry, config.grpc().maxMessageBytes());
    pipeline = new Pipeline(stages());
    ServerConfig sc = config.server();
    HttpServerOptions options = new HttpServerOptions()
        .setHost(sc.host())
        .setPort(port)
        .setHttp2ClearTextEnabled(sc.h2c())
        .setTcpNoDelay(true)
        .setTcpFastOpen(true)
        .setReuseAddress(true)
        .setIdleTimeout((int) sc.idleTimeout().toSeconds())
        .setMaxHeaderSize(sc.maxHeaderBytes())
        // "GET " + URI + " HTTP/1.1": a longer request line is answered 414 by Vert.x.
        .setMaxInitialLineLength(config.limits().maxUriBytes() + 16)
        .setCompressionSupported(true)
        .setDecompressionSupported(false);
    if (config.tls().enabled()) {
      // TLS 1.2/1.3 from PEM files, ALPN h2 + http/1.1; the files are re-read when they change.
      options.setSsl(true).setUseAlpn(true)
          .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"))
          .setKeyCertOptions(TlsReloader.pem(config.tls()));
      if (config.tls().clientAuth() != TlsConfig.ClientAuth.NONE) {
        options.setClientAuth(config.tls().clientAuth() == TlsConfig.ClientAuth.REQUIRED
                ? ClientAuth.REQUIRED : ClientAuth.REQUEST)
            .setTrustOptions(new PemTrustOptions().addCertPath(config.tls().clientCaPath()));
      }
    }
    clientCerts = config.tls().enabled() && config.tls().clientAuth() != TlsConfig.ClientAuth.NONE;
    guard = new ConnectionGuard(vertx, openConnections, config.limits());
    // With h2c on, a cleartext connection arrives here after its first request head, when the
    // decoder may hold body bytes already: the strict decoder is only swapped in before any byte.
    boolean strictFraming = !sc.h2c() || config.tls().enabled();
    server = vertx.createHttpServer(options).connectionHandler(conn -> {
      if (strictFraming) StrictRequestDecoder.install(conn, options);
      guard.connected(conn);
    }).requestHandler(this::accept);
    observe.watchEventLoop(vertx);
    return server.listen().compose(s -> startHttp3()).onSuccess(s -> {
      if (config.tls().enabled()) {
        tls = TlsReloader.start(vertx, server, config.tls(), options.getSslOptions().copy(), h3 == null ? null : h3::keys);
      }
      // This loop's gRPC connections open now, beside readiness rather than before it (awaiting
      // them cost the start ~100 ms on two cores); a first call meanwhile joins the handshake.
      upstreams.preconnect(config.grpc().services());
      if (rateLimiting != null) rateLimiting.preconnect();
    });
  }

  /**
   * server.http3: the QUIC listener on this loop, on the TCP listener's port number unless another is set (with
   * server.port 0 that is the ephemeral port TCP got, which every loop shares over SO_REUSEPORT).
   */
  private Future<Void> startHttp3() {
    Http3Config h3c = config.server().http3();
    if (!h3c.enabled()) return Future.succeededFuture();
    int udp = h3c.port() == 0 ? server.actualPort() : h3c.port();
    ContextInternal ctx = (ContextInternal) context;
    // The PEM files are read off the loop, once; a reload hands the listener the new key manager.
    return vertx.executeBlocking(() -> TlsReloader.pem(config.tls()).getKeyManagerFactory(vertx))
        .compose(keys -> Http3Listener.start(ctx, config.server().host(), udp, h3c, config.server().maxHeaderBytes(),
            keys, guard::connected, this::accept))
        .onSuccess(l -> {
          h3 = l;
          if (!h3c.altSvcMaxAge().isZero()) altSvc = "h3=\":" + l.actualPort() + "\"; ma=" + h3c.altSvcMaxAge().toSeconds();
        })
        .mapEmpty();
  }

  /** The UDP port of the HTTP/3 listener, or -1 when it is off. */
  public int http3Port() {
    return h3 == null ? -1 : h3.actualPort();
  }

  /**
   * Serves the next config generation from now on: the stages and targets are rebuilt on this verticle's loop, and a
   * request already running keeps the pipeline it started with (its exchange holds its own route and stages). The
   * listener, its connections and this loop's upstream pools stay.
   */
  public Future<Void> swap(BffConfig next, CompositionEngine nextEngine, RouteTable nextRoutes, Security nextSecurity,
      RateLimiting nextLimiting) {
    return swap(next, nextEngine, nextRoutes, nextSecurity, nextLimiting, false);
  }

  /**
   * As above; {@code servicesChanged}: the registry's services changed, so this loop takes a new caller over them
   * (unchanged services keep their pools) and the old one, still serving the requests that started on it, closes
   * what it alone holds after the drain grace.
   */
  public Future<Void> swap(BffConfig next, CompositionEngine nextEngine, RouteTable nextRoutes, Security nextSecurity,
      RateLimiting nextLimiting, boolean servicesChanged) {
    return Future.future(p -> context.runOnContext(v -> {
      if (servicesChanged) {
        HttpUpstreams old = upstreams;
        upstreams = old.next(next.grpc().maxMessageBytes());
        retire(old, upstreams, next);
      }
      config = next;
      engine = nextEngine;
      routes = nextRoutes;
      security = nextSecurity;
      rateLimiting = nextLimiting;
      if (nextLimiting != null) nextLimiting.preconnect();
      pipeline = new Pipeline(stages());
      p.complete();
    }));
  }

  private void retire(HttpUpstreams old, HttpUpstreams next, BffConfig nextConfig) {
    next.preconnect(nextConfig.grpc().services());
    retiring.add(old);
    vertx.setTimer(config.server().shutdownGrace().toMillis() + 1000, t -> {
      if (retiring.remove(old)) old.retire(next);
    });
  }

  /** Sets the public portal's target (before the server starts): the PORTAL route's handler. */
  public BffServer portal(Stage target) {
    this.portal = target;
    return this;
  }

  /** The port this instance listens on (the real one when the config asked for 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private List<Stage> stages() {
    // DESIGN order: admission filters that need no route (static filters, CORS preflights, which
    // carry no credentials), then the route (once), then its policy (auth), then its target.
    List<Stage> stages = new ArrayList<>(8);
    stages.add(new EdgeStage(vertx, config.auth(), config.server().h2c())); // framing, Host, h2 fields, client-sent gateway headers: before anything reads them
    if (config.tls().enabled() && !config.tls().hsts().isZero()) {
      String hsts = "max-age=" + config.tls().hsts().toSeconds() + "; includeSubDomains";
      stages.add((ex, next) -> {
        ex.response().putHeader("strict-transport-security", hsts);
        next.proceed(ex);
      });
    }
    if (config.filters().enabled()) stages.add(new StaticFilterStage(config.filters()));
    if (config.cors().enabled()) stages.add(new CorsStage(config.cors(), !config.grpc().web().isEmpty()));
    stages.add(new RouteStage(routes));
    if (security != null && config.auth().enabled()) {
      stages.add(new AuthStage(security, config.name(),
          config.auth().warmAhead() ? new RouteWarmUps(routes, engine, upstreams) : WarmAhead.NONE));
    }
    if (rateLimiting != null) stages.add(new RateLimitStage(rateLimiting)); // keys come from the verified principal
    if (routes.hasWasm()) stages.add(new WasmStage(observe.metrics().registry())); // after auth: filters read the principal
    if (MirrorStage.any(routes)) stages.add(new MirrorStage(vertx, upstreams, routes, observe.metrics().registry())); // admitted requests only
    stages.add(new TargetStage(targets()));
    return List.copyOf(stages);
  }

  /** This event loop's target of each route, by route id. */
  private Stage[] targets() {
    CompositionConfig cc = config.composition();
    Stage[] targets = new Stage[routes.idLimit()];
    HealthStage health = new HealthStage(readiness);
    ScreenEndpoint screens = new ScreenEndpoint(engine, upstreams);
    // Ad-hoc off: the endpoint still serves the registered persisted queries (the screens).
    GraphqlEndpoint graphql = new GraphqlEndpoint(engine, upstreams, config.server().maxBodyBytes(),
        config.limits().graphql(), cc.adhocGraphql()).inspectBodies(StaticFilterStage.bodyCheck(config.filters()));
    BodyWaf bodyWaf = BodyWaf.of(config.filters());
    TranscodeStage transcode = null;
    GrpcWebStage grpcWeb = null;
    for (Route r : routes.routes()) {
      targets[r.id()] = switch (r.kind()) {
        case HEALTH -> health;
        case SCREEN -> screens;
        case GRAPHQL -> graphql;
        case PROXY -> {
          ProxyRouteConfig pr = (ProxyRouteConfig) r.source();
          Destinations to = Destinations.of(r.name(), pr.service(), r.policy().rules(), upstreams,
              observe.metrics().registry());
          yield new ProxyEndpoint(pr, to, vertx, bodyWaf);
        }
        case TRANSCODE -> transcode != null ? transcode
            : (transcode = new TranscodeStage(upstreams));
        case GRPC_WEB -> grpcWeb != null ? grpcWeb
            : (grpcWeb = new GrpcWebStage(config.grpc().web(), engine.grpc(), upstreams, vertx, config.grpc().maxMessageBytes()));
        // Added by a reload to a BFF started without it: the portal's router is built at start-up.
        case PORTAL -> portal != null ? portal
            : (ex, next) -> ex.fail(503, "portal_restart_needed", "the public portal starts with the BFF; restart it");
      };
    }
    return targets;
  }

  private void accept(HttpServerRequest request) {
    long start = System.nanoTime();
    Runnable guardEnd = guard.request(request);
    String id = RequestIds.accept(request.getHeader("x-request-id"));
    RequestLog log = observe.begin(request, id, start);
    Exchange ex = new Exchange(request, id, Deadline.in(config.composition().deadline()), start, log);
    // Runs once: when the answer has ended, or when the client left before it did.
    request.response().endHandler(v -> {
      if (guardEnd != null) guardEnd.run();
      observe.completed(log, request);
    });
    if (clientCerts && request.isSSL()) clientSubject(request, ex);
    // RFC 7838: TCP answers name the HTTP/3 listener, so a client's next connection may move to it.
    if (altSvc != null && !Http3Listener.isHttp3(request)) request.response().putHeader(ALT_SVC, altSvc);
    // Draining: this answer closes its HTTP/1.1 connection (RFC 9112 section 9.6), so the client's next request
    // opens a new one, which the load balancer sends to an instance that stays.
    if (readiness.isDraining() && request.version() != HttpVersion.HTTP_2) {
      request.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    pipeline.run(ex);
  }

  /** The verified client certificate's subject as {@code ctx.clientCert} (mutual TLS at the edge). */
  private static void clientSubject(HttpServerRequest request, Exchange ex) {
    try {
      var certs = request.connection().peerCertificates();
      if (!certs.isEmpty() && certs.get(0) instanceof X509Certificate x) {
        ex.ctx().put("clientCert", x.getSubjectX500Principal().getName());
      }
    } catch (SSLPeerUnverifiedException none) {
      // no certificate presented (clientAuth: request)
    }
  }

  /**
   * Graceful: not ready at once; serving on for {@code server.drainDelay} while load balancers take this instance out
   * (HTTP/1.1 answers then close their connections, so clients reconnect elsewhere); then stop accepting, let
   * in-flight requests finish within the grace period, and close pools.
   */
  @Override
  public Future<?> stop() {
    readiness.draining();
    long graceMs = config.server().shutdownGrace().toMillis();
    long delayMs = config.server().drainDelay().toMillis();
    Future<Void> delayed = delayMs <= 0 ? Future.succeededFuture()
        : Future.future(p -> vertx.setTimer(delayMs, id -> p.complete()));
    return delayed.compose(v -> {
          if (tls != null) tls.stop();
          Future<Void> quic = h3 == null ? Future.succeededFuture() : h3.shutdown(graceMs);
          return Future.join(server.shutdown(graceMs, TimeUnit.MILLISECONDS), quic);
        })
        .eventually(() -> {
          for (HttpUpstreams old : retiring) old.retire(upstreams);
          retiring.clear();
          upstreams.close();
          return Future.succeededFuture();
        });
  }
}
