package dev.bffkit.loadtests.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The pass-through ceiling on our own stack: a reverse proxy written by hand on plain Vert.x, in
 * front of the same posts replicas as nginx and the BFF's {@code /api/posts} route, with the same
 * prefix strip ({@code /api}). It copies the request's headers (no hop-by-hop handling, no auth,
 * no route table, no deadline, no metrics), round-robins the replicas and pipes the answer back.
 * Its distance to nginx is what Vert.x and Netty cost; the BFF's distance to it is ours.
 *
 * <pre>java -cp bff-demo.jar dev.bffkit.loadtests.bench.HandWrittenProxy --port N [--instances N]</pre>
 * The replicas come from POSTS_URL (comma-separated), default the demo's 127.0.0.1:9102 and :9112.
 */
public final class HandWrittenProxy extends VerticleBase {
  private static final String PREFIX = "/api";
  private final List<Integer> upstreams;
  private final int port;
  private HttpClientAgent client;
  private HttpServer server;
  private int next;

  private HandWrittenProxy(List<Integer> upstreams, int port) {
    this.upstreams = upstreams;
    this.port = port;
  }

  public static void main(String[] args) {
    int port = 8095;
    int instances = Runtime.getRuntime().availableProcessors();
    boolean nativeTransport = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--native" -> nativeTransport = true; // epoll, as the BFF's launcher prefers
        case "--instances" -> instances = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("usage: HandWrittenProxy [--port N] [--instances N] [--native]; env POSTS_URL");
          System.exit(2);
        }
      }
    }
    List<Integer> upstreams = ports(System.getenv("POSTS_URL"));
    long t0 = System.nanoTime();
    Vertx vertx = Vertx.builder().with(new VertxOptions().setPreferNativeTransport(nativeTransport)).build();
    int p = port;
    vertx.deployVerticle(() -> new HandWrittenProxy(upstreams, p), new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> System.err.println("hand-written proxy event=ready port=" + p + " upstreams=" + upstreams
            + " transport=" + (vertx.isNativeTransportEnabled() ? "native" : "nio")
            + " startup_ms=" + (System.nanoTime() - t0) / 1_000_000))
        .onFailure(e -> {
          System.err.println("hand-written proxy failed to start: " + e);
          System.exit(1);
        });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().await(5, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
    }));
  }

  /** Deploys {@code instances} proxies sharing a free port in front of {@code upstreams}; returns the port. */
  static Future<Integer> start(Vertx vertx, List<Integer> upstreams, int instances) {
    int port = Scenarios.freePort();
    return vertx.deployVerticle(() -> new HandWrittenProxy(upstreams, port), new DeploymentOptions().setInstances(instances))
        .map(id -> port);
  }

  static List<Integer> ports(String postsUrl) {
    List<Integer> ports = new ArrayList<>();
    if (postsUrl != null) {
      for (String u : postsUrl.split(",")) if (!u.isBlank()) ports.add(URI.create(u.trim()).getPort());
    }
    return ports.isEmpty() ? List.of(9102, 9112) : List.copyOf(ports);
  }

  @Override
  public Future<?> start() {
    // As the BFF's upstream pools and nginx's "keepalive 64".
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
        .setKeepAliveTimeout(60), new PoolOptions().setHttp1MaxSize(64));
    server = vertx.createHttpServer().requestHandler(this::handle);
    return server.listen(port, "127.0.0.1");
  }

  @Override
  public Future<?> stop() {
    return server.close().eventually(() -> client.close());
  }

  private void handle(HttpServerRequest req) {
    if ("/readyz".equals(req.path())) {
      req.response().end("ready");
      return;
    }
    String uri = req.uri();
    if (!uri.startsWith(PREFIX + "/")) {
      req.response().setStatusCode(404).end();
      return;
    }
    req.pause();
    int upstream = upstreams.get(next++ % upstreams.size());
    RequestOptions options = new RequestOptions().setMethod(req.method()).setHost("127.0.0.1").setPort(upstream)
        .setURI(uri.substring(PREFIX.length()));
    HttpServerResponse out = req.response();
    client.request(options).onComplete(ar -> {
      if (ar.failed()) {
        out.setStatusCode(502).end();
        return;
      }
      var up = ar.result();
      up.headers().setAll(req.headers());
      up.send(req).onComplete(r -> {
        if (r.failed()) {
          if (!out.ended()) out.setStatusCode(502).end();
          return;
        }
        var resp = r.result();
        out.setStatusCode(resp.statusCode());
        out.headers().setAll(resp.headers());
        resp.pipe().to(out);
      });
    });
  }
}
