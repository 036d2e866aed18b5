package dev.bffkit.core.server;

import dev.bffkit.core.Bff.RunningBff;
import dev.bffkit.core.compose.Screen;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * {@code server.warmUp}: the JIT's warm-up paid before readiness, not by the first clients. A
 * fresh JVM runs the request path interpreted, then through C1, and reaches C2 code only after
 * thousands of requests: issue 14 measured a fresh BFF's first seconds of pass-through at a
 * fraction of its warm rate. So before the BFF listens, a copy of it ({@link BffConfig#forWarmUp})
 * serves {@code requests} requests on 127.0.0.1 across its proxy routes and screens, with every
 * service answered by an in-process server; the same classes and call sites then serve the real
 * listener hot. Nothing leaves the process: no service, identity provider, Redis, trace
 * collector or log sees a warm-up request. Never fails the start: a warm-up that cannot run is
 * logged and skipped, and {@code maxTime} bounds how long readiness waits.
 */
public final class WarmUp {
  private static final Logger LOG = Logger.getLogger("dev.bffkit");
  /** Requests in flight: enough to run both loops' pipelines concurrently, as real load would. */
  static final int CONCURRENCY = 32;

  private WarmUp() {}

  /**
   * Runs {@code bundle}'s warm-up; {@code start} starts a BFF from a bundle (Bff.start without its
   * own warm-up). Completes with the requests answered, never fails.
   */
  public static Future<Integer> run(Vertx vertx, ClientBundle bundle, Function<ClientBundle, Future<RunningBff>> start) {
    ServerConfig.WarmUp config = bundle.config().server().warmUp();
    long t0 = System.nanoTime();
    long deadline = t0 + config.maxTime().toNanos();
    HttpServer backend = vertx.createHttpServer().requestHandler(req -> req.body().onComplete(b ->
        req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end("{}")));
    HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(CONCURRENCY));
    RunningBff[] copy = {null};
    int[] answered = {0};
    return backend.listen(0, "127.0.0.1")
        .compose(s -> start.apply(new ClientBundle(bundle.config().forWarmUp(URI.create("http://127.0.0.1:" + s.actualPort())),
            bundle.schema(), bundle.screens())))
        .compose(bff -> {
          copy[0] = bff;
          return bff.warmedUp();
        })
        .compose(v -> drive(vertx, client, copy[0].port(), paths(copy[0]), config.requests(), deadline, answered))
        .transform(ar -> {
          String how = ar.succeeded() ? "done" : "skipped error=\"" + ar.cause().getMessage() + "\"";
          LOG.info("event=warm_up bff=" + bundle.config().name() + " requests=" + answered[0] + " ms="
              + (System.nanoTime() - t0) / 1_000_000 + " " + how);
          Future<Void> closed = copy[0] == null ? Future.succeededFuture() : copy[0].close();
          return Future.join(closed, backend.close(), client.close()).transform(x -> Future.succeededFuture(answered[0]));
        });
  }

  /** Each proxy route that takes GET (a path under its prefix) and each screen. */
  static List<String> paths(RunningBff bff) {
    BffConfig c = bff.config();
    List<String> paths = new ArrayList<>();
    for (ProxyRouteConfig r : c.routes()) {
      if (!r.methods().isEmpty() && !r.methods().contains("GET")) continue;
      paths.add(r.prefix() + (r.prefix().endsWith("/") ? "" : "/") + "warm-up");
    }
    for (Screen s : bff.engine().screens()) paths.add(c.composition().screensPath() + "/" + s.name());
    return paths;
  }

  /** {@code total} GETs round-robin over {@code paths}, {@link #CONCURRENCY} at a time, until done or {@code deadline}. */
  private static Future<Void> drive(Vertx vertx, HttpClientAgent client, int port, List<String> paths, int total,
      long deadline, int[] answered) {
    if (paths.isEmpty()) return Future.succeededFuture();
    Promise<Void> done = Promise.promise();
    int[] sent = {0};
    int[] inFlight = {0};
    Runnable[] next = {null};
    next[0] = () -> {
      while (inFlight[0] < CONCURRENCY && sent[0] < total && System.nanoTime() < deadline) {
        String path = paths.get(sent[0]++ % paths.size());
        inFlight[0]++;
        client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI(path))
            .compose(req -> req.send())
            .compose(resp -> resp.body())
            .onComplete(ar -> {
              inFlight[0]--;
              if (ar.succeeded()) answered[0]++;
              next[0].run();
            });
      }
      if (inFlight[0] == 0) done.tryComplete();
    };
    vertx.getOrCreateContext().runOnContext(v -> next[0].run());
    return done.future();
  }
}
