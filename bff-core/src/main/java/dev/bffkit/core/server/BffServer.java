package dev.bffkit.core.server;

import dev.bffkit.core.admin.HealthStage;
import dev.bffkit.core.admin.Readiness;
import dev.bffkit.core.admin.UpstreamsStage;
import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.compose.GraphqlEndpoint;
import dev.bffkit.core.compose.ScreenEndpoint;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.ServerConfig;
import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Pipeline;
import dev.bffkit.core.pipeline.Stage;
import dev.bffkit.core.proxy.ProxyEndpoint;
import dev.bffkit.core.route.RouteStage;
import dev.bffkit.core.upstream.HttpUpstreams;
import dev.bffkit.core.upstream.UpstreamRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One event loop's share of a BFF: its listener (HTTP/1.1 and h2c on a shared port), its
 * upstream pools and its stage pipeline. Deployed once per core; the composition engine is
 * built once and shared, since it is immutable.
 */
public final class BffServer extends VerticleBase {
  private final BffConfig config;
  private final CompositionEngine engine;
  private final Readiness readiness;
  private final int port;
  private final UpstreamRegistry registry;
  private HttpServer server;
  private HttpUpstreams upstreams;
  private Pipeline pipeline;

  /** {@code registry} is the BFF-wide upstream state (breakers, endpoints, budgets) shared by the instances. */
  public BffServer(BffConfig config, CompositionEngine engine, Readiness readiness, int port, UpstreamRegistry registry) {
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
        .setHttp2ClearTextEnabled(true)
        .setTcpNoDelay(true)
        .setTcpFastOpen(true)
        .setReuseAddress(true)
        .setIdleTimeout((int) sc.idleTimeout().toSeconds())
        .setMaxHeaderSize(sc.maxHeaderBytes())
        .setCompressionSupported(true)
        .setDecompressionSupported(false);
    server = vertx.createHttpServer(options).requestHandler(this::accept);
    return server.listen();
  }

  /** The port this instance listens on (the real one when the config asked for 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private List<Stage> stages() {
    CompositionConfig cc = config.composition();
    HealthStage health = new HealthStage(readiness);
    RouteStage.Builder routes = RouteStage.builder()
        .exact("/healthz", health)
        .exact("/readyz", health)
        .exact("/upstreamz", new UpstreamsStage(registry))
        .prefix(cc.screensPath() + "/", new ScreenEndpoint(engine, upstreams));
    if (cc.adhocGraphql()) {
      routes.exact(cc.graphqlPath(), new GraphqlEndpoint(engine, upstreams, config.server().maxBodyBytes()));
    }
    for (ProxyRouteConfig r : config.routes()) {
      routes.prefix(r.prefix(), new ProxyEndpoint(r, upstreams.service(r.service()), vertx, config.server().maxBodyBytes()));
    }
    List<Stage> stages = new java.util.ArrayList<>(3);
    // gRPC-Web first (its content type marks it), then transcoded REST paths (templates; a miss
    // goes on), then the exact and prefix routes.
    if (!config.grpc().web().isEmpty()) {
      stages.add(new dev.bffkit.core.grpc.GrpcWebStage(config.grpc().web(), engine.grpc(), upstreams, vertx,
          config.grpc().maxMessageBytes()));
    }
    if (!config.grpc().transcode().isEmpty()) {
      stages.add(new dev.bffkit.core.grpc.TranscodeStage(
          dev.bffkit.core.grpc.TranscodeStage.routes(config.grpc(), engine.grpc()), upstreams,
          config.server().maxBodyBytes()));
    }
    stages.add(routes.build());
    return List.copyOf(stages);
  }

  private void accept(HttpServerRequest request) {
    String id = RequestIds.accept(request.getHeader("x-request-id"));
    Exchange ex = new Exchange(request, id, Deadline.in(config.composition().deadline()));
    pipeline.run(ex);
  }

  /** Graceful: stop accepting, let in-flight requests finish within the grace period, then close pools. */
  @Override
  public Future<?> stop() {
    readiness.draining();
    long graceMs = config.server().shutdownGrace().toMillis();
    return server.shutdown(graceMs, TimeUnit.MILLISECONDS)
        .eventually(() -> {
          upstreams.close();
          return Future.succeededFuture();
        });
  }
}
