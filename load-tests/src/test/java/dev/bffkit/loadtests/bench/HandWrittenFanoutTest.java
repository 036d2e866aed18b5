package dev.bffkit.loadtests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The hand-written iOS home (gRPC for recommendations and the unread count) against the demo services, in-process. */
class HandWrittenFanoutTest {
  @Test
  void servesTheHomeAndSurvivesAFailingOptionalService() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Scenarios.Backends b = Scenarios.startBackends(vertx).await(20, TimeUnit.SECONDS);
      int port = HandWrittenFanout.start(vertx, b.ports(), 2).await(20, TimeUnit.SECONDS);
      HttpClientAgent client = vertx.createHttpClient();
      // every client call runs on one event loop, never on the JUnit thread (Vert.x 5.0.7 #6038)
      Context loop = vertx.getOrCreateContext();
      JsonObject home = get(loop, client, port);
      assertEquals(10, home.getJsonArray("feed").size(), home.encode());
      assertNotNull(home.getJsonArray("feed").getJsonObject(0).getJsonObject("author").getString("name"), home.encode());
      assertEquals(1, home.getJsonArray("sponsored").size(), home.encode());
      assertEquals(5, home.getJsonArray("recommendations").size(), home.encode());
      onLoop(loop, () -> Scenarios.chaos(client, b.port("ads"), "{\"errorRate\":1.0}")).await(10, TimeUnit.SECONDS);
      JsonObject degraded = get(loop, client, port);
      assertEquals(new JsonArray(), degraded.getJsonArray("sponsored"), "the schema's @fallback(value: []): " + degraded.encode());
      assertEquals(10, degraded.getJsonArray("feed").size());
      onLoop(loop, () -> Scenarios.chaos(client, b.port("ads"), null)).await(10, TimeUnit.SECONDS);
      assertEquals(1, get(loop, client, port).getJsonArray("sponsored").size());
      b.close().await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void bffAndHandWrittenAnswerAlikeWithTheSameCallsAgainstTheDemoServices() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Scenarios.Backends backends = Scenarios.startBackends(vertx).await(20, TimeUnit.SECONDS);
      Scenarios.Target bff = Scenarios.startIosBff(vertx, backends).await(30, TimeUnit.SECONDS);
      int hand = HandWrittenFanout.start(vertx, backends.ports(), 2).await(20, TimeUnit.SECONDS);
      ScreenParity.Result r = ScreenParity.check(backends, bff.port(), Scenarios.bffHeaders(), hand, Scenarios.HOME_CALLS);
      assertEquals(List.of(), r.problems(), "BFF: " + r.bffBody() + "\nhand-written: " + r.handBody());
      JsonObject data = new JsonObject(r.handBody()).getJsonObject("data");
      assertEquals(10, data.getJsonArray("feed").size(), r.handBody());
      assertEquals(5, data.getJsonArray("recommendations").size(), r.handBody());
      assertEquals(1, data.getJsonArray("sponsored").size(), r.handBody());
      assertTrue(data.getValue("unreadCount") instanceof Number && data.getValue("profileViews") instanceof Number, r.handBody());
      // the values agree too, not only the shape: same data from the same services
      assertEquals(new JsonObject(r.bffBody()), new JsonObject(r.handBody()));

      // the pure-REST home answers the same JSON but with REST calls: the iOS home's calls do not match it
      int rest = HandWrittenRestHome.start(vertx, backends.ports(), 1).await(20, TimeUnit.SECONDS);
      ScreenParity.Result restVsIos = ScreenParity.check(backends, bff.port(), Scenarios.bffHeaders(), rest, Scenarios.HOME_CALLS);
      assertEquals(1, restVsIos.problems().size(), restVsIos.problems().toString());
      assertTrue(restVsIos.problems().get(0).startsWith("hand-written made upstream calls"), restVsIos.problems().toString());
      assertTrue(restVsIos.problems().get(0).contains("recommendations GET /recommendations=1"), restVsIos.problems().toString());
      bff.close().get().await(10, TimeUnit.SECONDS);
      backends.close().await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await();
    }
  }

  private static JsonObject get(Context loop, HttpClientAgent client, int port) throws Exception {
    JsonObject body = onLoop(loop, () -> client.request(HttpMethod.GET, port, "127.0.0.1", Scenarios.HOME_PATH)
        .compose(r -> r.send()).compose(r -> r.body())).await(10, TimeUnit.SECONDS).toJsonObject();
    return body.getJsonObject("data");
  }

  private static <T> Future<T> onLoop(Context loop, Supplier<Future<T>> call) {
    Promise<T> p = Promise.promise();
    loop.runOnContext(v -> call.get().onComplete(p));
    return p.future();
  }
}
