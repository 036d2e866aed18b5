package dev.bffkit.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.upstream.ServiceState;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code services:} changes on a reload, without a restart: endpoints move in place, new services serve at once,
 * changed ones get a fresh state while requests that started on the old one finish, unchanged ones keep their breaker
 * and ejections, and the meters stay one per name and tags.
 */
class ServicesReloadTest {
  private static final String SCHEMA = """
      type Query {
        post(id: ID = "p1"): Post @rest(service: "posts", path: "/posts/{args.id}")
      }
      type Post { id: ID from: String }
      """;
  private static final Map<String, String> SCREENS = Map.of("post", "query Post { post { id from } }\n");

  @TempDir Path tmp;
  private Vertx vertx;
  private Bff.RunningBff bff;
  private final List<HttpServer> upstreams = new ArrayList<>();
  /** Requests each upstream has received, by its name. */
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private int versions;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    if (bff != null) bff.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** An upstream answering {"id":…, "from": name} with {@code status} after {@code delayMs} (paths ending /slow: 1.5 s). */
  private int upstream(String name, int status, long delayMs) throws Exception {
    hits.put(name, new AtomicInteger());
    HttpServer s = vertx.createHttpServer().requestHandler(req -> {
      hits.get(name).incrementAndGet();
      String id = req.path().substring(req.path().lastIndexOf('/') + 1);
      long delay = id.equals("slow") ? 1500 : delayMs;
      Runnable answer = () -> req.response().setStatusCode(status).putHeader("content-type", "application/json")
          .end(new JsonObject().put("id", id).put("from", name).encode());
      if (delay > 0) vertx.setTimer(delay, t -> answer.run());
      else answer.run();
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    upstreams.add(s);
    return s.actualPort();
  }

  private static String yaml(String services, String routes) {
    return """
        name: ios
        server: { host: 127.0.0.1, port: 0, instances: 2, shutdownGrace: 2s }
        observe: { metrics: { enabled: true } }
        services:
        %s
        routes:
        %s
        """.formatted(services.indent(2), routes.indent(2));
  }

  private ClientBundle bundle(String yaml) throws Exception {
    Path dir = tmp.resolve("v" + versions++);
    Files.createDirectories(dir.resolve("screens"));
    Files.writeString(dir.resolve("bff.yaml"), yaml);
    Files.writeString(dir.resolve("schema.graphqls"), SCHEMA);
    for (var s : SCREENS.entrySet()) Files.writeString(dir.resolve("screens/" + s.getKey() + ".graphql"), s.getValue());
    return BundleLoader.load(dir, name -> null);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.port() + path))
        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private String from(String path) throws Exception {
    HttpResponse<String> r = get(path);
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return new JsonObject(r.body()).getString("from");
  }

  private JsonObject upstreamz() throws Exception {
    return new JsonObject(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.adminPort() + "/upstreamz"))
        .GET().build(), HttpResponse.BodyHandlers.ofString()).body());
  }

  private static String endpoints(JsonObject snapshot, String service) {
    JsonArray eps = snapshot.getJsonObject(service).getJsonArray("endpoints");
    List<String> out = new ArrayList<>();
    for (int i = 0; i < eps.size(); i++) out.add(eps.getJsonObject(i).getString("endpoint"));
    return String.join(",", out);
  }

  @Test
  void movingAServiceToNewEndpointsUnderSteadyLoadLosesNoRequestAndTheNewEndpointTakesTheTraffic() throws Exception {
    int a = upstream("a", 200, 2);
    int b = upstream("b", 200, 2);
    String route = "- { prefix: /api/posts, service: posts }";
    bff = Bff.start(vertx, bundle(yaml("posts: { endpoints: \"http://127.0.0.1:" + a + "\" }", route)))
        .await(10, TimeUnit.SECONDS);
    ServiceState before = bff.upstreams().get("posts");
    assertEquals("a", from("/api/posts/p1"));

    SteadyLoad load = new SteadyLoad(this::get, "/v1/screens/post", "/api/posts/p7", "/v1/screens/post", "/api/posts/p7");
    Thread.sleep(300);
    // Back and forth: endpoint-only changes (in place), then one that also changes the timeout (a fresh state).
    String[] moves = {
        "posts: { endpoints: \"http://127.0.0.1:" + b + "\" }",
        "posts: { endpoints: [\"http://127.0.0.1:" + a + "\", \"http://127.0.0.1:" + b + "\"] }",
        "posts: { endpoints: \"http://127.0.0.1:" + a + "\" }",
        "posts: { endpoints: \"http://127.0.0.1:" + b + "\", timeout: 7s }",
    };
    List<Long> reloadMs = new ArrayList<>();
    for (String services : moves) {
      long t0 = System.nanoTime();
      bff.reload(bundle(yaml(services, route))).await(10, TimeUnit.SECONDS);
      reloadMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      Thread.sleep(150);
    }
    int bBefore = hits.get("b").get();
    int aBefore = hits.get("a").get();
    Thread.sleep(300);
    load.stop();
    System.out.println("services reload ms: " + reloadMs);
    assertTrue(load.failures.isEmpty(), "no request failed during the reloads: " + load.failures);
    assertTrue(load.ok.get() > 100, "the load ran: " + load.ok.get());
    assertTrue(hits.get("b").get() - bBefore > 20, "the new endpoint takes the traffic: " + hits);
    assertEquals(aBefore, hits.get("a").get(), "the removed endpoint takes none");
    assertEquals("b", from("/api/posts/p1"));
    assertEquals("b", new JsonObject(get("/v1/screens/post").body()).getJsonObject("data").getJsonObject("post")
        .getString("from"));
    assertNotSame(before, bff.upstreams().get("posts"), "the timeout change built a fresh state");
    assertEquals("127.0.0.1:" + b, endpoints(upstreamz(), "posts"), "the admin listener shows the live registry");
  }

  @Test
  void anEndpointOnlyChangeKeepsTheServiceStateAndTheEndpointsThatStay() throws Exception {
    int a = upstream("a", 200, 0);
    int b = upstream("b", 200, 0);
    String route = "- { prefix: /api/posts, service: posts }";
    bff = Bff.start(vertx, bundle(yaml("posts: { endpoints: \"http://127.0.0.1:" + a + "\", balancer: { policy: weighted } }",
        route))).await(10, TimeUnit.SECONDS);
    for (int i = 0; i < 5; i++) from("/api/posts/p1");
    ServiceState before = bff.upstreams().get("posts");
    bff.reload(bundle(yaml("posts:\n  endpoints: [\"http://127.0.0.1:" + a + "\", \"http://127.0.0.1:" + b + "\"]\n"
        + "  balancer: { policy: weighted, weights: [1, 3] }", route))).await(10, TimeUnit.SECONDS);
    assertSame(before, bff.upstreams().get("posts"), "only the endpoints changed: same state");
    JsonArray eps = upstreamz().getJsonObject("posts").getJsonArray("endpoints");
    assertEquals(5, eps.getJsonObject(0).getLong("requests"), "the endpoint that stays keeps its counters: " + eps);
    assertEquals(3, eps.getJsonObject(1).getInteger("weight"), eps.encode());
    for (int i = 0; i < 8; i++) from("/api/posts/p1");
    assertTrue(hits.get("b").get() >= 4, "weights apply: " + hits);
  }

  @Test
  void movingAVersionLabelToAnotherEndpointRepinsAContentRule() throws Exception {
    int a = upstream("a", 200, 0);
    int b = upstream("b", 200, 0);
    String route = """
        - prefix: /api/posts
          service: posts
          rules:
            - { match: [ { header: x-api-version, value: "2" } ], subset: { version: v2 } }
        """;
    String v2OnB = "posts:\n  endpoints: [ \"http://127.0.0.1:%d\", { url: \"http://127.0.0.1:%d\", labels: { version: v2 } } ]";
    String v2OnA = "posts:\n  endpoints: [ { url: \"http://127.0.0.1:%d\", labels: { version: v2 } }, \"http://127.0.0.1:%d\" ]";
    bff = Bff.start(vertx, bundle(yaml(v2OnB.formatted(a, b), route))).await(10, TimeUnit.SECONDS);
    ServiceState before = bff.upstreams().get("posts");
    assertEquals("b", fromV2());
    bff.reload(bundle(yaml(v2OnA.formatted(a, b), route))).await(10, TimeUnit.SECONDS);
    assertSame(before, bff.upstreams().get("posts"), "only labels changed: same state");
    for (int i = 0; i < 5; i++) assertEquals("a", fromV2(), "the pin follows the label");
  }

  private String fromV2() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.port() + "/api/posts/p1"))
        .header("x-api-version", "2").timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getString("from");
  }

  @Test
  void aNewServiceAndANewProxyRouteToItInOneReloadServe() throws Exception {
    int a = upstream("a", 200, 0);
    int u = upstream("users", 200, 0);
    String posts = "posts: { endpoints: \"http://127.0.0.1:" + a + "\" }";
    bff = Bff.start(vertx, bundle(yaml(posts, "- { prefix: /api/posts, service: posts }"))).await(10, TimeUnit.SECONDS);
    ServiceState postsState = bff.upstreams().get("posts");
    assertEquals(404, get("/api/users/u1").statusCode());

    bff.reload(bundle(yaml(posts + "\nusers: { endpoints: \"http://127.0.0.1:" + u + "\" }",
        "- { prefix: /api/posts, service: posts }\n- { prefix: /api/users, service: users }"))).await(10, TimeUnit.SECONDS);
    assertEquals("users", from("/api/users/u1"));
    assertEquals("a", from("/api/posts/p1"));
    assertSame(postsState, bff.upstreams().get("posts"), "the unchanged service keeps its state");
    assertTrue(upstreamz().containsKey("users"), upstreamz().encode());
  }

  @Test
  void removingAServiceAScreenStillCallsIsRefusedAndTheOldConfigServes() throws Exception {
    int a = upstream("a", 200, 0);
    int x = upstream("extra", 200, 0);
    String posts = "posts: { endpoints: \"http://127.0.0.1:" + a + "\" }";
    String extra = "extra: { endpoints: \"http://127.0.0.1:" + x + "\" }";
    bff = Bff.start(vertx, bundle(yaml(posts + "\n" + extra, "- { prefix: /api/extra, service: extra }")))
        .await(10, TimeUnit.SECONDS);

    ClientBundle noPosts = bundle(yaml(extra, "- { prefix: /api/extra, service: extra }"));
    try {
      bff.reload(noPosts).await(10, TimeUnit.SECONDS);
      fail("a screen calls posts: the reload must be refused");
    } catch (ConfigException e) {
      assertTrue(e.getMessage().contains("posts"), e.getMessage());
    }
    assertEquals("a", new JsonObject(get("/v1/screens/post").body()).getJsonObject("data").getJsonObject("post")
        .getString("from"), "the old config keeps serving");
    assertTrue(upstreamz().containsKey("posts"));

    // Removing a service nothing calls any more works; its meters go after the drain grace.
    bff.reload(bundle(yaml(posts, "[]"))).await(10, TimeUnit.SECONDS);
    assertFalse(upstreamz().containsKey("extra"), upstreamz().encode());
    assertEquals(404, get("/api/extra/e1").statusCode());
    MeterRegistry meters = bff.observability().metrics().registry();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
    while (!serviceMeters(meters, "extra").isEmpty() && System.nanoTime() < deadline) Thread.sleep(100);
    assertEquals(List.of(), serviceMeters(meters, "extra"), "a removed service's meters are removed after the grace");
    assertFalse(serviceMeters(meters, "posts").isEmpty());
  }

  @Test
  void unchangedServicesKeepTheirBreakerStateAndEjectionsAcrossAReload() throws Exception {
    int bad = upstream("bad", 500, 0);
    int good = upstream("good", 200, 0);
    int u = upstream("users", 200, 0);
    String services = """
        posts:
          endpoints: "http://127.0.0.1:%d"
          breaker: { failures: 3, resetTimeout: 5m }
          outlier: { consecutiveErrors: 1000 }
        ads:
          endpoints: ["http://127.0.0.1:%d", "http://127.0.0.1:%d"]
          breaker: { enabled: false }
          outlier: { consecutiveErrors: 2, baseEjectionTime: 5m, maxEjectionPercent: 50 }
        """.formatted(bad, bad, good);
    String routes = "- { prefix: /api/posts, service: posts }\n- { prefix: /api/ads, service: ads }";
    String users = "users: { endpoints: \"http://127.0.0.1:" + u + "\" }";
    bff = Bff.start(vertx, bundle(yaml(services + users, routes))).await(10, TimeUnit.SECONDS);
    for (int i = 0; i < 6; i++) get("/api/posts/p1");
    for (int i = 0; i < 10; i++) get("/api/ads/x");
    JsonObject before = upstreamz();
    assertEquals("open", before.getJsonObject("posts").getString("breaker"), before.encode());
    assertTrue(before.getJsonObject("ads").getJsonArray("endpoints").getJsonObject(0).getBoolean("ejected"), before.encode());
    ServiceState posts = bff.upstreams().get("posts");
    ServiceState usersBefore = bff.upstreams().get("users");

    // Only users changes (its timeout): posts and ads are untouched.
    bff.reload(bundle(yaml(services + "users: { endpoints: \"http://127.0.0.1:" + u + "\", timeout: 3s }", routes)))
        .await(10, TimeUnit.SECONDS);
    JsonObject after = upstreamz();
    assertEquals("open", after.getJsonObject("posts").getString("breaker"), after.encode());
    assertTrue(after.getJsonObject("ads").getJsonArray("endpoints").getJsonObject(0).getBoolean("ejected"), after.encode());
    assertEquals(503, get("/api/posts/p1").statusCode(), "the breaker is still open");
    assertSame(posts, bff.upstreams().get("posts"));
    assertNotSame(usersBefore, bff.upstreams().get("users"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"endpoint only", "timeout too"})
  void aSlowRequestInFlightOnARemovedEndpointFinishes(String change) throws Exception {
    int slow = upstream("slow", 200, 0);
    int b = upstream("b", 200, 0);
    String route = "- { prefix: /api/posts, service: posts }";
    bff = Bff.start(vertx, bundle(yaml("posts: { endpoints: \"http://127.0.0.1:" + slow + "\" }", route)))
        .await(10, TimeUnit.SECONDS);
    CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + bff.port() + "/api/posts/slow")).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (hits.get("slow").get() == 0 && System.nanoTime() < deadline) Thread.sleep(10);
    assertEquals(1, hits.get("slow").get(), "the slow request reached its endpoint");

    String extra = change.equals("endpoint only") ? "" : ", timeout: 9s";
    bff.reload(bundle(yaml("posts: { endpoints: \"http://127.0.0.1:" + b + "\"" + extra + " }", route)))
        .await(10, TimeUnit.SECONDS);
    assertEquals("b", from("/api/posts/p2"), "new calls go to the new endpoint at once");
    assertFalse(inFlight.isDone(), "the slow one is still running");
    HttpResponse<String> r = inFlight.get(10, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("slow", new JsonObject(r.body()).getString("from"));
  }

  @Test
  void replacingAServiceNeitherDuplicatesNorLeaksItsMeters() throws Exception {
    int a = upstream("a", 200, 0);
    String route = "- { prefix: /api/posts, service: posts }";
    bff = Bff.start(vertx, bundle(yaml("posts: { endpoints: \"http://127.0.0.1:" + a + "\" }", route)))
        .await(10, TimeUnit.SECONDS);
    from("/api/posts/p1");
    MeterRegistry meters = bff.observability().metrics().registry();
    Map<String, Integer> perId = countByNameAndTags(serviceMeters(meters, "posts"));
    assertTrue(perId.containsKey("bff.upstream.breaker.state{bff=ios,service=posts,state=open}"), perId.toString());

    // Replaced three times (timeout, then no breaker, then a breaker again).
    String[] next = {"timeout: 4s", "timeout: 4s, breaker: { enabled: false }", "timeout: 5s"};
    for (String n : next) {
      bff.reload(bundle(yaml("posts: { endpoints: \"http://127.0.0.1:" + a + "\", " + n + " }", route)))
          .await(10, TimeUnit.SECONDS);
      from("/api/posts/p1");
      Map<String, Integer> now = countByNameAndTags(serviceMeters(meters, "posts"));
      now.forEach((id, count) -> assertEquals(1, count, "one meter per name and tags after '" + n + "': " + id));
      assertEquals(n.contains("enabled: false"), !now.containsKey("bff.upstream.breaker.state{bff=ios,service=posts,state=open}"),
          "the breaker's gauges follow the live state: " + now.keySet());
    }
    assertEquals(perId.keySet(), countByNameAndTags(serviceMeters(meters, "posts")).keySet(), "the same meters as at start");
    // Counted when the call ends, which may be just after the client has its answer.
    var ok = meters.get("bff.upstream.calls").tags("service", "posts", "outcome", "ok").counter();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    while (ok.count() < 4 && System.nanoTime() < deadline) Thread.sleep(20);
    assertEquals(4.0, ok.count(), "the call counter carries on across the reloads");
    // The live state's gauge: its endpoints.
    assertEquals(1.0, meters.get("bff.upstream.endpoints").tags("service", "posts", "state", "live").gauge().value());
  }

  @Test
  void aReloadOfAHundredServicesTakesWellUnderASecond() throws Exception {
    int a = upstream("a", 200, 0);
    int b = upstream("b", 200, 0);
    StringBuilder start = new StringBuilder("posts: { endpoints: \"http://127.0.0.1:" + a + "\" }\n");
    StringBuilder next = new StringBuilder(start);
    for (int i = 0; i < 100; i++) {
      start.append("s").append(i).append(": { endpoints: \"http://127.0.0.1:").append(a).append("\" }\n");
      // A third keep theirs, a third move to b (in place), a third change their timeout (fresh state); 20 are new.
      String ep = i % 3 == 1 ? String.valueOf(b) : String.valueOf(a);
      next.append("s").append(i).append(": { endpoints: \"http://127.0.0.1:").append(ep).append("\"")
          .append(i % 3 == 2 ? ", timeout: 4s" : "").append(" }\n");
    }
    for (int i = 0; i < 20; i++) next.append("n").append(i).append(": { endpoints: \"http://127.0.0.1:").append(b).append("\" }\n");
    String route = "- { prefix: /api/s50, service: s50 }\n- { prefix: /api/n7, service: n7 }";
    bff = Bff.start(vertx, bundle(yaml(start.toString(), "- { prefix: /api/s50, service: s50 }"))).await(10, TimeUnit.SECONDS);
    // The same services, one more route: what any reload costs (schema, screens, route table).
    long baseMs = 0;
    for (int i = 51; i < 53; i++) { // the first one warms the reload path up
      ClientBundle same = bundle(yaml(start.toString(), "- { prefix: /api/s50, service: s50 }\n- { prefix: /api/s" + i
          + ", service: s" + i + " }"));
      long t = System.nanoTime();
      bff.reload(same).await(10, TimeUnit.SECONDS);
      baseMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t);
    }
    ClientBundle bundle = bundle(yaml(next.toString(), route));
    long t0 = System.nanoTime();
    bff.reload(bundle).await(10, TimeUnit.SECONDS);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    // And back (warm): the 33 replaced ones are replaced again, 34 move back, 20 go.
    long t1 = System.nanoTime();
    bff.reload(bundle(yaml(start.toString(), "- { prefix: /api/s50, service: s50 }"))).await(10, TimeUnit.SECONDS);
    long backMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1);
    bff.reload(bundle).await(10, TimeUnit.SECONDS);
    System.out.println("and back: " + backMs + " ms");
    System.out.println("reload of 101 -> 121 services (33 kept, 34 moved, 33 replaced, 20 added): " + ms
        + " ms; the same services, one more route: " + baseMs + " ms");
    assertEquals(121, bff.upstreams().services().size());
    assertEquals("a", from("/api/s50/x"));
    assertEquals("b", from("/api/n7/x"));
    assertTrue(ms < 5000, "a services reload is quick: " + ms + " ms");
  }

  private static List<Meter> serviceMeters(MeterRegistry registry, String service) {
    return registry.getMeters().stream().filter(m -> service.equals(m.getId().getTag("service"))
        && m.getId().getName().startsWith("bff.upstream.")).toList();
  }

  private static Map<String, Integer> countByNameAndTags(List<Meter> meters) {
    Map<String, Integer> out = new TreeMap<>();
    for (Meter m : meters) {
      StringBuilder id = new StringBuilder(m.getId().getName()).append('{');
      m.getId().getTags().forEach(t -> id.append(t.getKey()).append('=').append(t.getValue()).append(','));
      id.setLength(id.length() - 1);
      out.merge(id.append('}').toString(), 1, Integer::sum);
    }
    return out;
  }
}
