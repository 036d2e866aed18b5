package dev.bffkit.loadtests.bench;

import io.vertx.core.MultiMap;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The differential check before a screen is measured (the iOS home, {@code screen}; the pure-REST
 * home, {@code screen-rest}): one answer from each system, read from the harness's own thread (JDK
 * client, not Vert.x), after {@link #WARM_SCREENS} unchecked ones. Both must answer 200 with JSON of
 * the same shape ({@link JsonShape}: same keys, same list counts, null where the other is null),
 * and each must make exactly the expected calls upstream ({@link Scenarios#HOME_CALLS}, {@link
 * RestHome#CALLS}), once each, as the demo services' {@code /_stats} counters show (the gRPC twins
 * count their calls by method in the same format). A speed ratio between systems that answer
 * differently means nothing, so the scenario fails on any difference.
 */
final class ScreenParity {
  private ScreenParity() {}

  /** Unchecked screens per system before the checked one. */
  static final int WARM_SCREENS = 20;

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** What the check found; {@code problems} empty when both answer alike with the same calls. */
  record Result(List<String> problems, String bffBody, String handBody) {
    boolean alike() {
      return problems.isEmpty();
    }
  }

  /**
   * One screen from each, each expected to make {@code calls} (service → its {@code /_stats} routes)
   * and nothing else, on the REST services or their gRPC twins (nothing else may call the backends
   * meanwhile: the counters are shared).
   */
  static Result check(Scenarios.Backends backends, int bffPort, MultiMap bffHeaders, int handPort,
      Map<String, List<String>> calls) throws IOException, InterruptedException {
    // A cold JVM's first screens can miss a field's @timeout (class loading, JIT, new connections) and answer
    // its fallback: a few unchecked screens each first (the BFF's own dry run at ready warms only its side).
    for (int i = 0; i < WARM_SCREENS; i++) {
      screen(handPort, null, "hand-written", new ArrayList<>());
      screen(bffPort, bffHeaders, "BFF", new ArrayList<>());
    }
    List<String> problems = new ArrayList<>();
    Map<String, Long> before = counters(backends);
    String hand = screen(handPort, null, "hand-written", problems);
    Map<String, Long> afterHand = counters(backends);
    String bff = screen(bffPort, bffHeaders, "BFF", problems);
    Map<String, Long> afterBff = counters(backends);
    compareCalls("hand-written", delta(before, afterHand), calls, problems);
    compareCalls("BFF", delta(afterHand, afterBff), calls, problems);
    if (hand != null && bff != null) {
      Object h = Json.decodeValue(hand);
      Object b = Json.decodeValue(bff);
      List<String> d = JsonShape.differences(b, "BFF", h, "hand-written");
      if (!d.isEmpty()) {
        problems.add(d.size() + " shape difference(s): " + String.join("; ", d.subList(0, Math.min(8, d.size())))
            + (d.size() > 8 ? "; ..." : ""));
      }
    }
    return new Result(problems, bff, hand);
  }

  private static String screen(int port, MultiMap headers, String who, List<String> problems)
      throws IOException, InterruptedException {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + RestHome.PATH))
        .timeout(Duration.ofSeconds(10)).GET();
    if (headers != null) headers.forEach(h -> req.header(h.getKey(), h.getValue()));
    HttpResponse<String> resp = HTTP.send(req.build(), HttpResponse.BodyHandlers.ofString());
    if (resp.statusCode() != 200) {
      problems.add(who + " answered " + resp.statusCode() + ": " + abbreviate(resp.body()));
      return null;
    }
    return resp.body();
  }

  /**
   * "service route" → requests served so far, over the six services and the gRPC twins the backends
   * run. The second posts replica counts as posts: the iOS BFF balances its POSTS_URL over both (as
   * in pass-through, against nginx), the hand-written code calls the first; either is the same work.
   */
  static Map<String, Long> counters(Scenarios.Backends backends) throws IOException, InterruptedException {
    Map<String, Long> m = new LinkedHashMap<>();
    for (Map.Entry<String, Integer> e : backends.ports().entrySet()) add(m, e.getKey(), e.getValue());
    if (backends.postsReplicaPort() >= 0) add(m, "posts", backends.postsReplicaPort());
    return m;
  }

  private static void add(Map<String, Long> m, String service, int port) throws IOException, InterruptedException {
    HttpResponse<String> resp = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/_stats"))
        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (resp.statusCode() != 200) throw new IOException(service + " /_stats answered " + resp.statusCode());
    JsonObject routes = new JsonObject(resp.body()).getJsonObject("routes", new JsonObject());
    for (String r : routes.fieldNames()) m.merge(service + " " + r, routes.getLong(r), Long::sum);
  }

  static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> d = new LinkedHashMap<>();
    after.forEach((k, v) -> {
      long n = v - before.getOrDefault(k, 0L);
      if (n != 0) d.put(k, n);
    });
    return d;
  }

  /** The calls {@code calls} names, once each, and nothing else. */
  static void compareCalls(String who, Map<String, Long> made, Map<String, List<String>> calls, List<String> problems) {
    Map<String, Long> want = new LinkedHashMap<>();
    calls.forEach((service, routes) -> routes.forEach(r -> want.put(service + " " + r, 1L)));
    if (!want.equals(made)) problems.add(who + " made upstream calls " + made + ", expected " + want);
  }

  private static String abbreviate(String s) {
    return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}
