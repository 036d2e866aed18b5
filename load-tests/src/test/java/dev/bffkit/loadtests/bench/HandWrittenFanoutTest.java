package dev.bffkit.loadtests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The hand-written fan-out against the backends (demo services when merged, else the stand-ins). */
class HandWrittenFanoutTest {
  @Test
  void servesTheHomeAndSurvivesAFailingOptionalService() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Scenarios.Backends b = Scenarios.startBackends(vertx).await(20, TimeUnit.SECONDS);
      int port = HandWrittenFanout.start(vertx, b.ports(), 2).await(20, TimeUnit.SECONDS);
      HttpClientAgent client = vertx.createHttpClient();
      // every client call runs on one event loop, never on the JUnit thread (Vert.x 5.0.7 #6038)
      io.vertx.core.Context loop = vertx.getOrCreateContext();
      JsonObject home = get(loop, client, port);
      assertEquals(10, home.getJsonArray("feed").size(), home.encode());
      assertNotNull(home.getJsonArray("feed").getJsonObject(0).getJsonObject("author").getString("name"), home.encode());
      assertNotNull(home.getValue("ads"), home.encode());
      onLoop(loop, () -> Scenarios.chaos(client, b.port("ads"), "{\"errorRate\":1.0}")).await(10, TimeUnit.SECONDS);
      JsonObject degraded = get(loop, client, port);
      assertNull(degraded.getValue("ads"), degraded.encode());
      assertEquals(10, degraded.getJsonArray("feed").size());
      onLoop(loop, () -> Scenarios.chaos(client, b.port("ads"), null)).await(10, TimeUnit.SECONDS);
      assertNotNull(get(loop, client, port).getValue("ads"));
      b.close().await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await();
    }
  }

  private static JsonObject get(io.vertx.core.Context loop, HttpClientAgent client, int port) throws Exception {
    return onLoop(loop, () -> client.request(HttpMethod.GET, port, "127.0.0.1", Scenarios.HOME_PATH)
        .compose(r -> r.send()).compose(r -> r.body())).await(10, TimeUnit.SECONDS).toJsonObject();
  }

  private static <T> io.vertx.core.Future<T> onLoop(io.vertx.core.Context loop,
      java.util.function.Supplier<io.vertx.core.Future<T>> call) {
    io.vertx.core.Promise<T> p = io.vertx.core.Promise.promise();
    loop.runOnContext(v -> call.get().onComplete(p));
    return p.future();
  }
}
