package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.OnLoop;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.upstream.HttpUpstreams;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code @hedge} on a field: its calls are hedged even though its service does not hedge. */
class HedgeDirectiveTest {
  private static final String SCHEMA = """
      type Query {
        hedged: JSON @rest(service: "posts", path: "/x") @hedge(delayMs: 20)
        plain: JSON @rest(service: "posts", path: "/x") @timeout(ms: 200)
      }
      """;

  private Vertx vertx;
  private final AtomicInteger stalledRequests = new AtomicInteger();
  private CompositionEngine engine;
  private HttpUpstreams upstreams;
  private OnLoop loop;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    HttpServer live = vertx.createHttpServer().requestHandler(req -> req.response().end("{\"from\":\"live\"}"))
        .listen(0, "127.0.0.1").await();
    HttpServer stalled = vertx.createHttpServer().requestHandler(req -> stalledRequests.incrementAndGet())
        .listen(0, "127.0.0.1").await();
    ServiceConfig posts = new ServiceConfig("posts", List.of(URI.create("http://127.0.0.1:" + live.actualPort()),
        URI.create("http://127.0.0.1:" + stalled.actualPort())), Duration.ofSeconds(1), 16, Duration.ofSeconds(30),
        Duration.ofSeconds(5)).withOutlier(new ServiceConfig.Outlier(0, Duration.ofSeconds(1), Duration.ofSeconds(1), 50));
    var bundle = TestBundles.bundle(TestBundles.server(Duration.ofSeconds(1)), Duration.ofSeconds(2),
        Map.of("posts", posts), List.of(), SCHEMA, Map.of());
    engine = CompositionEngine.create(bundle);
    upstreams = new HttpUpstreams(vertx, Map.of("posts", posts));
    loop = new OnLoop(vertx.getOrCreateContext());
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private Map<String, Object> run(String query) throws Exception {
    ComposeContext cx = new ComposeContext(upstreams, Deadline.inMillis(2000), "t", Map.of(), MultiMap.caseInsensitiveMultiMap());
    return FakeServices.parse(loop.run(() -> engine.runQuery(query, null, Map.of(), cx)).await(10, TimeUnit.SECONDS));
  }

  @Test
  void hedgedFieldAnswersFromTheLiveReplicaWhileThePlainOneTimesOut() throws Exception {
    int plainFailures = 0;
    for (int i = 0; i < 20; i++) {
      Map<String, Object> r = run("{ hedged plain }");
      Map<?, ?> data = (Map<?, ?>) r.get("data");
      assertEquals(Map.of("from", "live"), data.get("hedged"), "the hedged field always answers: " + r);
      if (data.get("plain") == null) plainFailures++;
    }
    assertTrue(stalledRequests.get() > 0, "first tries did reach the stalled replica");
    assertTrue(plainFailures > 0, "without @hedge, calls that hit the stalled replica time out");
  }

  @Test
  void hedgeNeedsRestAndSaneArguments() {
    for (String bad : List.of("type Query { a: Int @hedge }", "type Query { a: Int @rest(service: \"posts\", path: \"/x\") @hedge(attempts: 9) }")) {
      var bundle = TestBundles.bundle(TestBundles.server(Duration.ofSeconds(1)), Duration.ofSeconds(1),
          Map.of("posts", TestBundles.service("posts", 1)), List.of(), bad, Map.of());
      ConfigException e = assertThrows(ConfigException.class, () -> CompositionEngine.create(bundle));
      assertTrue(e.getMessage().contains("@hedge"), e.getMessage());
    }
  }
}
