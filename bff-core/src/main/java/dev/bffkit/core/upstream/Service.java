package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ServiceConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.List;

/**
 * A named upstream service as seen by one event loop: its endpoints, a round-robin pick and a
 * keep-alive connection pool. Built per verticle so that connections stay on the loop that
 * uses them. (Balancing proper, health and breakers come with the resilience work.)
 */
public final class Service {
  private final ServiceConfig config;
  private final List<Endpoint> endpoints;
  private final HttpClient client;
  private int next;

  public Service(Vertx vertx, ServiceConfig config) {
    this.config = config;
    this.endpoints = config.endpoints().stream().map(Endpoint::of).toList();
    HttpClientOptions options = new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_1_1)
        .setKeepAlive(true)
        .setKeepAliveTimeout((int) Math.max(1, config.keepAlive().toSeconds()))
        .setConnectTimeout((int) config.connectTimeout().toMillis())
        .setTcpNoDelay(true)
        .setDecompressionSupported(false)
        .setName("bff-" + config.name());
    PoolOptions pool = new PoolOptions().setHttp1MaxSize(config.poolSize()).setMaxWaitQueueSize(-1);
    this.client = vertx.createHttpClient(options, pool);
  }

  public String name() {
    return config.name();
  }

  public ServiceConfig config() {
    return config;
  }

  public HttpClient client() {
    return client;
  }

  /** Round robin; single-threaded use from the owning event loop. */
  public Endpoint pick() {
    int i = next;
    next = i + 1 == endpoints.size() ? 0 : i + 1;
    return endpoints.get(i);
  }

  /** Request options for one call on the next endpoint; {@code timeoutMs} bounds connecting. */
  public RequestOptions requestOptions(HttpMethod method, String uri, long timeoutMs) {
    Endpoint e = pick();
    return new RequestOptions()
        .setMethod(method)
        .setHost(e.host())
        .setPort(e.port())
        .setSsl(e.tls())
        .setURI(uri)
        .setConnectTimeout(Math.min(timeoutMs, config.connectTimeout().toMillis()));
  }

  public void close() {
    client.close();
  }
}
