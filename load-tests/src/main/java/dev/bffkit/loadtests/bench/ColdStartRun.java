package dev.bffkit.loadtests.bench;

import dev.bffkit.loadtests.demo.AdsService;
import dev.bffkit.loadtests.demo.DemoService;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The double cold start (issue 20): a screen whose one service is a sleeping function (the demo's ads service played
 * as one: {@code coldStartMs}), behind an opaque token checked by RFC 7662 introspection at an identity provider that
 * answers in {@link #IDP_MS}. Two BFF processes on the same bundle but for {@code auth.warmAhead}, each over its own
 * function (their instances apart); in each trial both functions have slept, and each BFF gets one request with a
 * token it has never seen (no cached introspection). Without warming the wait is the check, then the cold start;
 * with it, the longer of the two.
 */
final class ColdStartRun implements AutoCloseable {
  static final int IDP_MS = 200;
  static final int COLD_MS = 1500;
  /** The function sleeps after this much idle; each trial waits it out first. */
  static final int SLEEP_AFTER_MS = 2000;
  static final String PATH = "/v1/screens/ad";
  static final String CLIENT_ID = "bench-bff";
  static final String CLIENT_SECRET = "bench-secret-0123456789";

  /** One system's first-screen times, ms, in trial order; and the cold starts its function played. */
  record Times(String system, List<Long> millis, int errors, long coldStarts, int introspections) {
    long quantile(double q) {
      if (millis.isEmpty()) return -1;
      List<Long> sorted = new ArrayList<>(millis);
      Collections.sort(sorted);
      return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1));
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final AdsService warmFn = new AdsService();
  private final AdsService serialFn = new AdsService();
  private final AtomicInteger introspections = new AtomicInteger();
  private HttpServer idp;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  ColdStartRun start() {
    DemoService.Chaos asFunction = new DemoService.Chaos(0, 0, COLD_MS, SLEEP_AFTER_MS);
    warmFn.start(vertx, "127.0.0.1", 0, 1).await();
    serialFn.start(vertx, "127.0.0.1", 0, 1).await();
    warmFn.chaos(asFunction);
    serialFn.chaos(asFunction);
    // Every token the bench mints is active: the point is the check's time, not its verdict.
    idp = vertx.createHttpServer().requestHandler(req -> {
      if (!req.path().equals("/introspect")) {
        req.response().setStatusCode(404).end();
        return;
      }
      introspections.incrementAndGet();
      req.body().onSuccess(b -> vertx.setTimer(IDP_MS, t -> req.response().putHeader("content-type", "application/json")
          .end(new JsonObject().put("active", true).put("sub", "u1").put("scope", "read").put("aud", "bff")
              .put("iss", issuer()).put("exp", System.currentTimeMillis() / 1000 + 600).encode())));
    }).listen(0, "127.0.0.1").await();
    return this;
  }

  String issuer() {
    return "http://127.0.0.1:" + idp.actualPort();
  }

  /** The client folder of one system: one screen over the function, opaque tokens checked at the bench's IdP. */
  Path bundle(Path parent, String name, boolean warmAhead) throws IOException {
    int fnPort = warmAhead ? warmFn.port() : serialFn.port();
    Path dir = Files.createDirectories(parent.resolve(name));
    Files.createDirectories(dir.resolve("screens"));
    Files.writeString(dir.resolve("bff.yaml"), """
        name: %s
        server: { host: 127.0.0.1, port: 0, instances: 2 }
        admin: { host: 127.0.0.1, port: 0 }
        composition: { deadline: 10s }
        services:
          ads:
            endpoints: ["http://127.0.0.1:%d"]
            timeout: 1s
            coldStart: { expected: %dms, idleAfter: %dms, path: /health }
        auth:
          warmAhead: %s
          issuers:
            - issuer: "%s"
              jwt: false
              audiences: [bff]
              introspection: { url: "%s/introspect", clientId: %s, clientSecret: "%s" }
        """.formatted(name, fnPort, COLD_MS, SLEEP_AFTER_MS, warmAhead, issuer(), issuer(), CLIENT_ID, CLIENT_SECRET));
    Files.writeString(dir.resolve("schema.graphqls"), """
        type Query { ads: AdList @rest(service: "ads", path: "/ads?placement=home&user={ctx.sub}") }
        type AdList { ads: [Ad] }
        type Ad { id: ID headline: String }
        """);
    Files.writeString(dir.resolve("screens/ad.graphql"), "query Ad { ads { ads { id headline } } }");
    return dir;
  }

  /**
   * {@code trials} rounds: wait until both functions sleep, then one request to each BFF at once, each with a token
   * never seen before.
   */
  List<Times> measure(int warmPort, int serialPort, int trials) throws Exception {
    List<Long> warmed = new ArrayList<>();
    List<Long> serial = new ArrayList<>();
    int[] errors = new int[2];
    for (int i = 0; i < trials; i++) {
      Thread.sleep(SLEEP_AFTER_MS + 300);
      var a = vertx.<Long>executeBlocking(() -> firstScreen(warmPort), false);
      var b = vertx.<Long>executeBlocking(() -> firstScreen(serialPort), false);
      long ta = a.await(30, TimeUnit.SECONDS);
      long tb = b.await(30, TimeUnit.SECONDS);
      if (ta < 0) errors[0]++;
      else warmed.add(ta);
      if (tb < 0) errors[1]++;
      else serial.add(tb);
    }
    return List.of(new Times("warm-ahead", warmed, errors[0], warmFn.coldStarts(), introspections.get()),
        new Times("in series", serial, errors[1], serialFn.coldStarts(), introspections.get()));
  }

  /** One request with a new opaque token: ms to the whole answer, or -1 when it was not a 200 with the ads. */
  private long firstScreen(int port) throws Exception {
    String token = "opaque-" + UUID.randomUUID();
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + PATH))
        .header("authorization", "Bearer " + token).timeout(Duration.ofSeconds(20)).GET().build();
    long t0 = System.nanoTime();
    HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    return resp.statusCode() == 200 && resp.body().contains("\"ads\":[{") ? ms : -1;
  }

  /** Checks the setup before measuring: both BFFs answer a screen through the IdP and the function. */
  void check(int port) throws Exception {
    long ms = firstScreen(port);
    if (ms < 0) throw new IOException("the cold-start BFF on " + port + " did not answer " + PATH + " with ads");
  }

  static Map<String, String> env() {
    return Scenarios.childEnv();
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the run is over; its servers die with the JVM
    }
  }
}
