package dev.bffkit.loadtests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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
      // control calls from this plain thread go over the JDK client / a plain socket: the Vert.x 5.0.7
      // client may hang when used outside an event loop (vert.x #6038)
      HttpClient client = HttpClient.newHttpClient();
      JsonObject home = get(client, port);
      assertEquals(10, home.getJsonArray("feed").size(), home.encode());
      assertNotNull(home.getJsonArray("feed").getJsonObject(0).getJsonObject("author").getString("name"), home.encode());
      assertNotNull(home.getValue("ads"), home.encode());
      Scenarios.chaos(b.port("ads"), "{\"errorRate\":1.0}");
      JsonObject degraded = get(client, port);
      assertNull(degraded.getValue("ads"), degraded.encode());
      assertEquals(10, degraded.getJsonArray("feed").size());
      Scenarios.chaos(b.port("ads"), null);
      assertNotNull(get(client, port).getValue("ads"));
      b.close().await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await();
    }
  }

  private static JsonObject get(HttpClient client, int port) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + Scenarios.HOME_PATH))
        .timeout(Duration.ofSeconds(10)).build();
    return new JsonObject(client.send(req, HttpResponse.BodyHandlers.ofString()).body());
  }
}
