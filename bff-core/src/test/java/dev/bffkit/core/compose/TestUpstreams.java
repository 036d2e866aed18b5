package dev.bffkit.core.compose;

import dev.bffkit.core.upstream.UpstreamCaller;
import dev.bffkit.core.upstream.UpstreamException;
import dev.bffkit.core.upstream.UpstreamRequest;
import dev.bffkit.core.upstream.UpstreamResponse;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.RequestOptions;
import java.util.Map;

/**
 * Test-only {@link UpstreamCaller} over a Vert.x HttpClient to the test servers (the real one
 * is HttpUpstreams). Enforces the request deadline with a timer and forwards x-request-id.
 */
final class TestUpstreams implements UpstreamCaller {
  private final Vertx vertx;
  private final HttpClient client;
  private final Map<String, Integer> ports;

  TestUpstreams(Vertx vertx, Map<String, Integer> ports) {
    this.vertx = vertx;
    this.ports = Map.copyOf(ports);
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(32));
  }

  @Override
  public Future<UpstreamResponse> call(String service, UpstreamRequest r) {
    Integer port = ports.get(service);
    if (port == null) {
      return Future.failedFuture(new UpstreamException(service, UpstreamException.Kind.UNKNOWN_SERVICE,
          "unknown service " + service));
    }
    Promise<UpstreamResponse> promise = Promise.promise();
    long left = r.deadline().remainingMillis();
    if (left <= 0) {
      return Future.failedFuture(new UpstreamException(service, UpstreamException.Kind.TIMEOUT, service + " timed out"));
    }
    long timer = vertx.setTimer(left, id ->
        promise.tryFail(new UpstreamException(service, UpstreamException.Kind.TIMEOUT, service + " timed out")));
    RequestOptions opts = new RequestOptions().setHost("127.0.0.1").setPort(port)
        .setMethod(r.method()).setURI(r.pathAndQuery());
    if (r.headers() != null) opts.setHeaders(io.vertx.core.MultiMap.caseInsensitiveMultiMap().addAll(r.headers()));
    opts.putHeader("x-request-id", r.requestId());
    client.request(opts)
        .compose(req -> {
          promise.future().onFailure(e -> req.reset());
          return r.body() == null ? req.send() : req.send(r.body());
        })
        .compose(resp -> resp.body().map(b -> new UpstreamResponse(resp.statusCode(), resp.headers(), b)))
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          if (ar.succeeded()) promise.tryComplete(ar.result());
          else promise.tryFail(new UpstreamException(service, UpstreamException.Kind.CONNECT,
              service + " unreachable: " + ar.cause().getMessage()));
        });
    return promise.future();
  }

  void close() {
    client.close();
  }
}
