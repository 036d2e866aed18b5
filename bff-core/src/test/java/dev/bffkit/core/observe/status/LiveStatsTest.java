package dev.bffkit.core.observe.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.observe.Observability;
import dev.bffkit.core.observe.Outcome;
import dev.bffkit.core.observe.RequestLog;
import dev.bffkit.core.observe.TraceContext;
import dev.bffkit.core.observe.UpstreamCall;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.route.RouteKind;
import dev.bffkit.core.route.RouteMatch;
import dev.bffkit.core.route.RoutePolicy;
import dev.bffkit.core.route.RouteTable;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongUnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The status page's per-second ring, on a fake clock. */
class LiveStatsTest {
  static final RoutePolicy POLICY =
      new RoutePolicy(false, Set.of(), 1024, Duration.ofSeconds(10), 0, Duration.ofSeconds(3), null);
  static final RouteTable ROUTES = RouteTable.builder()
      .add(new Route(0, "screen:home", RouteKind.SCREEN, new RouteMatch.Exact("/v1/screens/home"), Set.of(), POLICY, "t:1", null))
      .add(new Route(0, "screen:profile", RouteKind.SCREEN, new RouteMatch.Exact("/v1/screens/profile"), Set.of(), POLICY, "t:2", null))
      .add(new Route(0, "proxy:/api/feed", RouteKind.PROXY, new RouteMatch.Prefix("/api/feed"), Set.of(), POLICY, "t:3", null))
      .build();
  /** 2026-11-27T20:00:00Z, on a second boundary. */
  static final long T0 = 1_795_982_400_000L;

  private final AtomicLong clock = new AtomicLong(T0);
  private final LiveStats stats = new LiveStats(ROUTES, List.of("posts", "users", "feed"), clock::get);
  private final Observability off = Observability.off("test");

  static Route route(String name) {
    return ROUTES.routes().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
  }

  /** A finished request of {@code route} that took {@code nanos} (as the server measures it). */
  static RequestLog request(Route route, int status, long nanos) {
    RequestLog log = new RequestLog("r", "GET", System.nanoTime() - nanos, T0, TraceContext.root(false), null);
    log.route(route);
    log.end(status, 0, 0, false);
    return log;
  }

  private RequestLog withCalls(RequestLog log, Object... serviceAndOutcome) {
    for (int i = 0; i < serviceAndOutcome.length; i += 2) {
      UpstreamCall call = off.service((String) serviceAndOutcome[i]).start(log, "rest");
      call.end((Outcome) serviceAndOutcome[i + 1], 200);
    }
    return log;
  }

  private long second() {
    return Math.floorDiv(clock.get(), 1000);
  }

  @Test
  void countsRequestsAndErrorsPerRouteAndService() {
    Route home = route("screen:home");
    for (int i = 0; i < 90; i++) stats.completed(request(home, 200, 1_000_000));
    for (int i = 0; i < 7; i++) stats.completed(request(home, 503, 1_000_000));
    for (int i = 0; i < 3; i++) stats.completed(request(home, 404, 1_000_000)); // the client's fault
    stats.completed(request(null, 404, 1_000_000)); // refused before routing
    RequestLog gone = new RequestLog("g", "GET", System.nanoTime(), T0, TraceContext.root(false), null);
    gone.route(home);
    gone.end(0, 0, 0, true); // the client left before any answer: not a server error
    stats.completed(gone);
    Route stranger = new Route(0, "screen:elsewhere", RouteKind.SCREEN, new RouteMatch.Exact("/x"), Set.of(), POLICY, "t", null);
    stats.completed(request(stranger, 200, 1_000_000)); // not in the table: "other"
    stats.completed(withCalls(request(route("screen:profile"), 200, 1_000_000),
        "posts", Outcome.OK, "posts", Outcome.SERVER_ERROR, "posts", Outcome.TIMEOUT, "posts", Outcome.CLIENT_CANCELLED,
        "users", Outcome.BREAKER_OPEN, "ghost", Outcome.OK));

    long s = second();
    LiveStats.Window h = stats.routeWindow("screen:home", s, s + 1);
    assertEquals(101, h.requests());
    assertEquals(7, h.errors());
    assertEquals(7 / 101.0, h.errorRate(), 1e-9);
    assertEquals(1, stats.routeWindow("none", s, s + 1).requests());
    assertEquals(1, stats.routeWindow("other", s, s + 1).requests());
    assertEquals(1, stats.routeWindow("screen:profile", s, s + 1).requests());
    assertEquals(0, stats.routeWindow("proxy:/api/feed", s, s + 1).requests());

    LiveStats.Window posts = stats.serviceWindow("posts", s, s + 1);
    assertEquals(4, posts.requests());
    assertEquals(2, posts.errors(), "server error and timeout blame posts; the client's cancel does not");
    LiveStats.Window users = stats.serviceWindow("users", s, s + 1);
    assertEquals(1, users.requests());
    assertEquals(1, users.errors());
    assertEquals(1, stats.serviceWindow("other", s, s + 1).requests(), "an unknown service counts as other");
    assertEquals(0, stats.serviceWindow("feed", s, s + 1).requests());

    clock.addAndGet(1000);
    LiveStats.Window minute = stats.routeLastMinute("screen:home");
    assertEquals(101, minute.requests());
    assertEquals(101 / 60.0, minute.rps(), 1e-9);
    assertNull(stats.routeLastMinute("screen:nowhere"));
  }

  /** Distributions of durations (nanos) whose p50 and p99 the histogram must place within a bucket. */
  static Stream<Arguments> distributions() {
    return Stream.of(
        Arguments.of("uniform 1..100 ms", 1000, (LongUnaryOperator) i -> (i + 1) * 100_000L),
        Arguments.of("constant 5 ms", 500, (LongUnaryOperator) i -> 5_000_000L),
        Arguments.of("99 % at 2 ms, 1 % at 800 ms", 1000, (LongUnaryOperator) i -> i % 100 == 0 ? 800_000_000L : 2_000_000L),
        Arguments.of("2 % at 3 s", 1000, (LongUnaryOperator) i -> i % 50 == 0 ? 3_000_000_000L : 40_000_000L),
        Arguments.of("sub-millisecond", 700, (LongUnaryOperator) i -> 50_000L + i * 500L),
        Arguments.of("slower than the last bucket", 100, (LongUnaryOperator) i -> 30_000_000_000L));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("distributions")
  void quantilesFallInTheTrueValuesBucket(String name, int n, LongUnaryOperator nanosOf) {
    long[] sample = new long[n];
    Route home = route("screen:home");
    for (int i = 0; i < n; i++) {
      RequestLog log = request(home, 200, nanosOf.applyAsLong(i));
      // The true value is the duration as measured (a little longer than asked, more on a busy machine).
      sample[i] = log.durationNanos();
      stats.completed(log);
    }
    Arrays.sort(sample);
    long s = second();
    LiveStats.Window w = stats.routeWindow("screen:home", s, s + 1);
    for (double q : new double[] {0.50, 0.99}) {
      long exact = sample[(int) Math.ceil(q * n) - 1];
      int bucket = LatencyBuckets.index(exact);
      double lower = LatencyBuckets.lowerNanos(bucket) / 1e6;
      double upper = LatencyBuckets.upperNanos(bucket) / 1e6;
      double estimate = q == 0.50 ? w.p50Ms() : w.p99Ms();
      assertTrue(estimate >= lower && estimate <= upper,
          () -> name + ": p" + (int) (q * 100) + " " + estimate + " ms, true " + exact / 1e6 + " ms, bucket [" + lower + ", " + upper + "]");
    }
  }

  @Test
  void bucketsCoverHalfAMillisecondToTenSeconds() {
    assertEquals(0, LatencyBuckets.index(0));
    assertEquals(0, LatencyBuckets.index(500_000));
    assertEquals(1, LatencyBuckets.index(500_001));
    assertEquals(LatencyBuckets.COUNT - 1, LatencyBuckets.index(10_000_000_000L));
    assertEquals(LatencyBuckets.COUNT - 1, LatencyBuckets.index(Long.MAX_VALUE));
    for (int b = 1; b < LatencyBuckets.COUNT; b++) {
      double ratio = (double) LatencyBuckets.upperNanos(b) / LatencyBuckets.upperNanos(b - 1);
      assertTrue(ratio > 1.6 && ratio < 1.8, "log-spaced: bucket " + b + " is " + ratio + " times the one before");
      assertEquals(b, LatencyBuckets.index(LatencyBuckets.upperNanos(b)));
    }
  }

  @Test
  void slotsExpireAfterFifteenMinutes() {
    Route home = route("screen:home");
    long first = second();
    for (int i = 0; i < 5; i++) stats.completed(request(home, 200, 1_000_000));
    clock.addAndGet(899_000); // the last second the slot is still in the window
    long now = second();
    assertEquals(5, stats.routeWindow("screen:home", now - 899, now + 1).requests());
    clock.addAndGet(1_000); // 900 s later: the same ring index, a new second
    assertEquals(first + LiveStats.SECONDS, second());
    stats.completed(request(home, 503, 1_000_000));
    LiveStats.Window reused = stats.routeWindow("screen:home", second(), second() + 1);
    assertEquals(1, reused.requests(), "the slot was reset for its new second");
    assertEquals(1, reused.errors());
    assertEquals(0, stats.routeWindow("screen:home", first, first + 1).requests(), "the old second is gone");
    assertEquals(1, stats.routeWindow("screen:home", second() - 899, second() + 1).requests());
    // Nothing recorded for 15 minutes: the whole window is empty.
    clock.addAndGet(901_000);
    assertEquals(0, stats.routeLastMinute("screen:home").requests());
    assertEquals(0, stats.routeWindow("screen:home", second() - 900, second()).requests());
    JsonObject json = stats.toJson(900, 6);
    JsonObject homeRow = row(json.getJsonArray("routes"), "screen:home");
    assertTrue(homeRow.getBoolean("idle"));
  }

  @Test
  void aLateRecordForASecondAlreadyOverwrittenIsDropped() {
    LiveStats.Row row = new LiveStats.Row("r", "test");
    LiveStats.record(row, 1000 + LiveStats.SECONDS, false, 1);
    LiveStats.record(row, 1000, false, 1); // 15 minutes late, same ring index
    long[] c = new long[LiveStats.WIDTH];
    LiveStats.sum(row, 1000 + LiveStats.SECONDS, 1001 + LiveStats.SECONDS, c);
    assertEquals(1, c[LiveStats.REQUESTS]);
  }

  @Test
  void concurrentCompletionsLoseNoCounts() throws Exception {
    int threads = 4;
    int each = 250_000;
    // Every 50 000 completions the clock moves to the next second, so threads race to replace slots.
    AtomicLong calls = new AtomicLong();
    LiveStats racing = new LiveStats(ROUTES, List.of("posts", "users", "feed"), () -> T0 + (calls.getAndIncrement() / 50_000) * 1000);
    Route home = route("screen:home");
    List<RequestLog> logs = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      logs.add(withCalls(request(home, t == 0 ? 500 : 200, 2_000_000), "posts", Outcome.OK, "users", Outcome.SERVER_ERROR));
    }
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      RequestLog log = logs.get(t);
      Thread w = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < each; i++) racing.completed(log);
      });
      w.start();
      workers.add(w);
    }
    start.countDown();
    for (Thread w : workers) w.join(60_000);
    long from = T0 / 1000;
    long to = from + LiveStats.SECONDS - 1;
    LiveStats.Window counted = racing.routeWindow("screen:home", from, to);
    assertEquals((long) threads * each, counted.requests());
    assertEquals(each, counted.errors());
    assertEquals((long) threads * each, racing.serviceWindow("posts", from, to).requests());
    LiveStats.Window users = racing.serviceWindow("users", from, to);
    assertEquals((long) threads * each, users.requests());
    assertEquals((long) threads * each, users.errors());
    assertTrue(counted.p99Ms() > 1 && counted.p99Ms() < 5, "every request took about 2 ms: " + counted.p99Ms());
  }

  @Test
  void jsonHasSeriesPerActiveRowAndListsIdleOnes() {
    Route home = route("screen:home");
    for (int s = 0; s < 10; s++) {
      for (int i = 0; i < 20; i++) stats.completed(withCalls(request(home, i == 0 ? 502 : 200, 3_000_000), "posts", Outcome.OK));
      clock.addAndGet(1000);
    }
    JsonObject json = stats.toJson(60, 2);
    assertEquals(30, json.getInteger("points"));
    assertEquals(second(), json.getLong("now"));
    assertEquals(second() - 60, json.getLong("start"));
    JsonObject h = row(json.getJsonArray("routes"), "screen:home");
    assertFalse(h.getBoolean("idle"));
    assertEquals("screen", h.getString("kind"));
    JsonObject series = h.getJsonObject("series");
    for (String k : List.of("t", "rps", "errorRate", "p50Ms", "p99Ms")) assertEquals(30, series.getJsonArray(k).size(), k);
    assertEquals(second() - 60, series.getJsonArray("t").getLong(0));
    assertEquals(second() - 2, series.getJsonArray("t").getLong(29));
    assertEquals(20.0, series.getJsonArray("rps").getDouble(29), 1e-9);
    assertEquals(0.05, series.getJsonArray("errorRate").getDouble(29), 1e-9);
    assertNull(series.getJsonArray("p99Ms").getValue(0), "no traffic then: a gap, not a zero");
    assertEquals(0.0, series.getJsonArray("rps").getDouble(0), 1e-9);
    assertEquals(200, h.getJsonObject("lastMinute").getLong("requests"));
    assertTrue(row(json.getJsonArray("routes"), "screen:profile").getBoolean("idle"));
    assertNull(row(json.getJsonArray("routes"), "none"), "an idle 'none' row is left out");
    assertNull(row(json.getJsonArray("routes"), "other"));
    assertNotNull(row(json.getJsonArray("services"), "posts").getJsonObject("series"));
    assertTrue(row(json.getJsonArray("services"), "feed").getBoolean("idle"));
  }

  @Test
  void oneMillionCompletionsOnOneThreadTakeWellUnderASecond() {
    RequestLog log = withCalls(request(route("screen:home"), 200, 4_000_000), "posts", Outcome.OK, "users", Outcome.OK);
    LiveStats real = new LiveStats(ROUTES, List.of("posts", "users", "feed"), System::currentTimeMillis);
    for (int i = 0; i < 200_000; i++) real.completed(log); // warm-up
    int n = 1_000_000;
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) real.completed(log);
    long took = System.nanoTime() - t0;
    System.out.printf("LiveStats.completed: %d calls (1 route + 2 services each) in %d ms, %.1f ns/op%n",
        n, took / 1_000_000, (double) took / n);
    // "Well under a second" on a quiet machine; the margin is for a loaded CI box.
    assertTrue(took < 3_000_000_000L, "1M completed() took " + took / 1_000_000 + " ms");
  }

  static JsonObject row(JsonArray rows, String name) {
    for (int i = 0; i < rows.size(); i++) if (name.equals(rows.getJsonObject(i).getString("name"))) return rows.getJsonObject(i);
    return null;
  }
}
