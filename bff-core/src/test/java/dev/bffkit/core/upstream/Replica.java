package dev.bffkit.core.upstream;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A test upstream on loopback that counts requests and can be slowed, failed, stalled or killed. */
final class Replica {
  final String name;
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  volatile int status = 200;
  volatile long delayMs;
  /** When set, requests are held until it completes. */
  volatile Promise<Void> stall;
  volatile String lastDeadlineHeader;
  private final Vertx vertx;
  private HttpServer server;

  Replica(Vertx vertx, String name) throws Exception {
    this.vertx = vertx;
    this.name = name;
    server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
        .await(5, TimeUnit.SECONDS);
  }

  int port() {
    return server.actualPort();
  }

  private void handle(HttpServerRequest req) {
    requests.incrementAndGet();
    lastDeadlineHeader = req.getHeader("x-request-timeout-ms");
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    req.response().closeHandler(v -> inFlight.decrementAndGet());
    Runnable answer = () -> {
      if (!req.response().closed() && !req.response().ended()) {
        inFlight.decrementAndGet();
        req.response().setStatusCode(status).putHeader("content-type", "application/json")
            .end("{\"replica\":\"" + name + "\"}");
      }
    };
    Promise<Void> s = stall;
    if (s != null) {
      s.future().onComplete(v -> answer.run());
    } else if (delayMs > 0) {
      vertx.setTimer(delayMs, id -> answer.run());
    } else {
      answer.run();
    }
  }

  void kill() throws Exception {
    server.close().await(5, TimeUnit.SECONDS);
  }
}
