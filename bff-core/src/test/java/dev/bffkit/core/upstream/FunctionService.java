package dev.bffkit.core.upstream;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A serverless function as a platform runs it, on loopback, for tests: instances that each serve one request at a
 * time; a request that finds no idle instance starts a new one, which answers after {@code coldMs} (its cold start);
 * an instance idle for {@code sleepAfterMs} is gone.
 */
final class FunctionService {
  private static final class Instance {
    boolean busy;
    long lastUsed;
  }

  private final Vertx vertx;
  private final long coldMs;
  private final long sleepAfterMs;
  private final List<Instance> instances = new ArrayList<>();
  final AtomicInteger coldStarts = new AtomicInteger();
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger warmUps = new AtomicInteger();
  HttpServer server;

  FunctionService(Vertx vertx, long coldMs, long sleepAfterMs) {
    this.vertx = vertx;
    this.coldMs = coldMs;
    this.sleepAfterMs = sleepAfterMs;
  }

  FunctionService start() {
    server = vertx.createHttpServer().requestHandler(this::serve).listen(0, "127.0.0.1").await();
    return this;
  }

  int port() {
    return server.actualPort();
  }

  private synchronized void serve(HttpServerRequest req) {
    requests.incrementAndGet();
    if (req.path().equals("/warm")) warmUps.incrementAndGet();
    long now = System.currentTimeMillis();
    instances.removeIf(i -> !i.busy && now - i.lastUsed > sleepAfterMs);
    Instance free = null;
    for (Instance i : instances) {
      if (!i.busy) {
        free = i;
        break;
      }
    }
    long delay = 2;
    if (free == null) {
      free = new Instance();
      instances.add(free);
      coldStarts.incrementAndGet();
      delay = coldMs;
    }
    Instance serving = free;
    serving.busy = true;
    vertx.setTimer(delay, t -> {
      synchronized (this) {
        serving.busy = false;
        serving.lastUsed = System.currentTimeMillis();
      }
      req.response().putHeader("content-type", "application/json")
          .end(new JsonObject().put("name", "fn").put("path", req.path()).encode());
    });
  }
}
