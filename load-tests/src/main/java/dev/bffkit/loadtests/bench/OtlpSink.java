package dev.bffkit.loadtests.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where the benchmarked BFFs export their spans (OTLP/HTTP, {@code BFF_OTLP_ENDPOINT}): a tiny
 * HTTP server in the harness JVM on 127.0.0.1 that accepts {@code POST /v1/traces}, counts the
 * requests and body bytes and answers 200 with an empty {@code ExportTraceServiceResponse} (an
 * empty protobuf message is zero bytes). The BFF pays the real export cost (serialising, the HTTP
 * call) without a collector; the body is counted as it streams in, never buffered or parsed.
 */
public final class OtlpSink implements AutoCloseable {
  /** The OTLP/HTTP traces path (OTLP specification, "OTLP/HTTP Request"). */
  public static final String TRACES_PATH = "/v1/traces";

  private final Vertx vertx;
  private final HttpServer server;
  private final LongAdder requests = new LongAdder();
  private final LongAdder bytes = new LongAdder();
  private final LongAdder refused = new LongAdder();

  private OtlpSink(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  /** Starts the sink on its own one-loop Vert.x (spans arrive in batches, about one a second per BFF). */
  public static OtlpSink start() {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    OtlpSink[] sink = new OtlpSink[1];
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(req -> sink[0].handle(req));
    sink[0] = new OtlpSink(vertx, server);
    try {
      server.listen().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("OTLP sink did not start: " + e.getMessage(), e);
    }
    return sink[0];
  }

  private void handle(HttpServerRequest req) {
    if (req.method() != HttpMethod.POST || !TRACES_PATH.equals(req.path())) {
      refused.increment();
      req.response().setStatusCode(404).end();
      return;
    }
    req.handler(b -> bytes.add(b.length()));
    req.endHandler(v -> {
      requests.increment();
      req.response().putHeader("content-type", "application/x-protobuf").end();
    });
  }

  public int port() {
    return server.actualPort();
  }

  /** The value for {@code BFF_OTLP_ENDPOINT}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port() + TRACES_PATH;
  }

  /** What has arrived so far; subtract two of them for a window. */
  public Counts counts() {
    return new Counts(requests.sum(), bytes.sum(), refused.sum());
  }

  /** Export requests answered, their body bytes (as sent, compressed or not), requests refused (wrong method or path). */
  public record Counts(long requests, long bytes, long refused) {
    public Counts minus(Counts earlier) {
      return new Counts(requests - earlier.requests, bytes - earlier.bytes, refused - earlier.refused);
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%d export request(s), %.1f kB%s", requests, bytes / 1024.0,
          refused == 0 ? "" : ", " + refused + " refused (wrong method or path)");
    }
  }

  @Override
  public void close() {
    try {
      vertx.close().await(5, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // the harness is ending
    }
  }
}
