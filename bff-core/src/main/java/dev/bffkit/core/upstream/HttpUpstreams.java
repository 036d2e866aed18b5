package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ServiceConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.StreamResetException;
import java.net.ConnectException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * The {@link UpstreamCaller} over pooled Vert.x HTTP clients, one {@link Service} per
 * configured service. Every call is bounded by the earlier of the request deadline and the
 * service's own timeout; when that passes, the request is reset (freeing the connection) and the
 * call fails with {@link UpstreamException.Kind#TIMEOUT}.
 */
public final class HttpUpstreams implements UpstreamCaller {
  private static final CharSequence X_REQUEST_ID = HttpHeaders.createOptimized("x-request-id");

  private final Vertx vertx;
  private final Map<String, Service> services = new HashMap<>();

  public HttpUpstreams(Vertx vertx, Map<String, ServiceConfig> configs) {
    this.vertx = vertx;
    configs.forEach((name, cfg) -> services.put(name, new Service(vertx, cfg)));
  }

  public Service service(String name) {
    return services.get(name);
  }

  @Override
  public Future<UpstreamResponse> call(String serviceName, UpstreamRequest req) {
    Service service = services.get(serviceName);
    if (service == null) {
      return Future.failedFuture(new UpstreamException(serviceName, UpstreamException.Kind.UNKNOWN_SERVICE,
          "unknown service '" + serviceName + "'"));
    }
    long budget = Math.min(req.deadline().remainingMillis(), service.config().timeout().toMillis());
    if (req.deadline().expired() || budget <= 0) {
      return Future.failedFuture(timeout(serviceName));
    }
    RequestOptions options = service.requestOptions(req.method(), req.pathAndQuery(), budget);
    if (req.headers() != null) options.setHeaders(req.headers());
    if (req.requestId() != null) options.putHeader(X_REQUEST_ID, req.requestId());
    return service.client().request(options)
        .compose(httpReq -> send(httpReq, req, budget))
        .recover(err -> Future.failedFuture(translate(serviceName, err)));
  }

  private Future<UpstreamResponse> send(HttpClientRequest httpReq, UpstreamRequest req, long budget) {
    long timer = vertx.setTimer(budget, id -> httpReq.reset(0, new TimeoutException()));
    Future<UpstreamResponse> answer = (req.body() == null ? httpReq.send() : httpReq.send(req.body()))
        .compose(resp -> resp.body().map(body -> new UpstreamResponse(resp.statusCode(), resp.headers(), body)));
    return answer.andThen(ar -> vertx.cancelTimer(timer));
  }

  private static UpstreamException timeout(String service) {
    return new UpstreamException(service, UpstreamException.Kind.TIMEOUT, service + " did not answer before the deadline");
  }

  /** Maps transport failures to messages fit for a client's {@code errors} entry. */
  static UpstreamException translate(String service, Throwable err) {
    if (err instanceof UpstreamException ue) return ue;
    if (err instanceof TimeoutException || err.getCause() instanceof TimeoutException) return timeout(service);
    if (err instanceof StreamResetException sre && sre.getCause() instanceof TimeoutException) return timeout(service);
    if (err instanceof ConnectException || err.getClass().getSimpleName().contains("Connect")) {
      return new UpstreamException(service, UpstreamException.Kind.CONNECT, service + " is unreachable");
    }
    return new UpstreamException(service, UpstreamException.Kind.RESET, service + " closed the connection");
  }

  public void close() {
    services.values().forEach(Service::close);
  }
}
