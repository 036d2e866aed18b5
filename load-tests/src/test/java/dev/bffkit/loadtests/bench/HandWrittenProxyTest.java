package dev.bffkit.loadtests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The pass-through baseline answers as the posts service and the BFF's proxy route do, on the same path. */
class HandWrittenProxyTest {
  @Test
  void relaysThePostsServiceAsTheBffProxyRouteDoes() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Scenarios.Backends b = Scenarios.startBackends(vertx).await(20, TimeUnit.SECONDS);
      int proxy = HandWrittenProxy.start(vertx, List.of(b.port("posts"), b.postsReplicaPort()), 2).await(20, TimeUnit.SECONDS);
      Scenarios.Target bff = Scenarios.startIosBff(vertx, b).await(30, TimeUnit.SECONDS);
      HttpClientAgent client = vertx.createHttpClient();
      Context loop = vertx.getOrCreateContext(); // client calls on an event loop, never the JUnit thread (Vert.x #6038)
      String direct = get(loop, client, b.port("posts"), Scenarios.DIRECT_PATH, false);
      // both replicas, in turn: the same post either way
      assertEquals(direct, get(loop, client, proxy, Scenarios.PROXY_PATH, false));
      assertEquals(direct, get(loop, client, proxy, Scenarios.PROXY_PATH, false));
      assertEquals(direct, get(loop, client, bff.port(), Scenarios.PROXY_PATH, true));
      assertEquals("404", get(loop, client, proxy, "/posts/p1", false), "only /api/ is proxied");
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void readsTheReplicasFromPostsUrl() {
    assertEquals(List.of(9102, 9112), HandWrittenProxy.ports(null));
    assertEquals(List.of(7001, 7002), HandWrittenProxy.ports("http://127.0.0.1:7001, http://127.0.0.1:7002"));
  }

  /** The body of a 200, else the status. */
  private static String get(Context loop, HttpClientAgent client, int port, String path, boolean bff) throws Exception {
    Promise<String> p = Promise.promise();
    Supplier<Future<String>> call = () -> client.request(HttpMethod.GET, port, "127.0.0.1", path).compose(r -> {
      if (bff) r.headers().addAll(Scenarios.bffHeaders());
      return r.send();
    }).compose(r -> r.statusCode() == 200 ? r.body().map(Object::toString) : Future.succeededFuture(Integer.toString(r.statusCode())));
    loop.runOnContext(v -> call.get().onComplete(p));
    return p.future().await(10, TimeUnit.SECONDS);
  }
}
