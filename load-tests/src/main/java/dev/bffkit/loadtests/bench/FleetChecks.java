package dev.bffkit.loadtests.bench;

import io.vertx.core.MultiMap;
import org.HdrHistogram.Histogram;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a fleet must do, measured on a {@link Fleet} under open-model load from the {@link LoadDriver}: lose nothing
 * in a rolling restart, lose only in-flight requests when an instance is killed, hold one client's rate limit for
 * the whole fleet, and know an APQ hash wherever it was registered. The harness reports these; FleetIT asserts them.
 */
public final class FleetChecks {
  private FleetChecks() {}

  /** The iOS home under load through HAProxy while every instance restarts in turn. */
  public record Rolling(LoadResult load, long restartMs, int instances) {
    public String line() {
      return String.format(Locale.ROOT, "rolling restart of %d instances in %.1f s under %.0f req/s (%d connections):"
          + " %d requests, %d lost%s", instances, restartMs / 1000.0, load.targetRate(), load.connections(), load.requests(),
          load.errors(), load.errorKinds().isEmpty() ? "" : " " + load.errorKinds());
    }
  }

  /**
   * The same while one instance is killed (SIGKILL); {@code onVictim}: requests HAProxy saw fail on the killed
   * instance (in flight when it died), {@code elsewhere}: on the others (none is the claim).
   */
  public record Killed(LoadResult load, long onVictim, long elsewhere) {
    public String line() {
      return String.format(Locale.ROOT, "kill -9 of one instance under %.0f req/s (%d connections): %d requests, %d lost%s;"
          + " HAProxy saw %d fail on the killed instance (in flight when it died) and %d on the others",
          load.targetRate(), load.connections(), load.requests(), load.errors(),
          load.errorKinds().isEmpty() ? "" : " " + load.errorKinds(), onVictim, elsewhere);
    }
  }

  /** One API key hammering the fleet: answers allowed (not 429) against GCRA's bound for the time taken. */
  public record Limited(int allowed, int refused, double seconds, double bound, double aloneBound) {
    public String line() {
      return String.format(Locale.ROOT, "one free-tier key (100/min, burst 20) through 3 instances for %.1f s: %d allowed,"
          + " %d refused (429); GCRA's bound for the fleet %.1f, for instances limiting alone %.1f", seconds, allowed,
          refused, bound, aloneBound);
    }
  }

  /**
   * Open-model load on the home screen through HAProxy while every instance restarts in turn: the load runs in
   * windows of a few seconds, back to back, until the restart is over and one window more.
   */
  public static Rolling rollingRestart(Fleet fleet, LoadDriver driver, MultiMap headers, double rate, int connections)
      throws Exception {
    LoadSpec spec = window("fleet: rolling restart of 3 instances", fleet, headers, rate, connections);
    Future<Long> restart = after(500, "fleet-rolling-restart", fleet::rollingRestart);
    LoadResult total = windows(driver, spec, restart);
    return new Rolling(total, TimeUnit.NANOSECONDS.toMillis(restart.get()), fleet.size());
  }

  /**
   * Four seconds of the iOS home through HAProxy. A request counts as lost when its answer is not a 2xx or never
   * comes (10 s); the drain is long (30 s) so that, on a machine whose cores the restarting JVMs take, a request the
   * driver itself sends late is still measured rather than counted as lost.
   */
  private static LoadSpec window(String name, Fleet fleet, MultiMap headers, double rate, int connections) {
    return new LoadSpec(name, "127.0.0.1", fleet.port(), Scenarios.HOME_PATH, headers, connections, rate, Duration.ZERO,
        Duration.ofSeconds(4), Duration.ofSeconds(10), Duration.ofSeconds(30));
  }

  /** {@code work} on a thread of its own after {@code delayMs}, while the caller runs the load; its failure is get()'s. */
  private static <T> Future<T> after(long delayMs, String name, Callable<T> work) {
    ExecutorService one = Executors.newSingleThreadExecutor(r -> new Thread(r, name));
    try {
      return one.submit(() -> {
        Thread.sleep(delayMs);
        return work.call();
      });
    } finally {
      one.shutdown(); // the task still runs; its thread ends with it
    }
  }

  /** Load windows of {@code spec} until {@code until} is done, then one more; their sum. */
  private static LoadResult windows(LoadDriver driver, LoadSpec spec, Future<?> until) throws Exception {
    Histogram h = LoadDriver.newHistogram();
    long requests = 0;
    long errors = 0;
    double seconds = 0;
    Map<String, Long> kinds = new HashMap<>();
    boolean last = false;
    for (int i = 0; i < 60 && !last; i++) { // bounded: 60 windows of 4 s
      last = until.isDone();
      LoadResult r = driver.run(spec);
      h.add(r.histogram());
      requests += r.requests();
      errors += r.errors();
      seconds += r.seconds();
      r.errorKinds().forEach((k, n) -> kinds.merge(k, n, Long::sum));
    }
    if (!until.isDone()) throw new IllegalStateException("the fleet did not finish its restart within 240 s of load");
    return LoadResult.of(spec, requests, errors, seconds, h, kinds);
  }

  /** Open-model load through HAProxy while one instance is killed after a second (and revived after the load). */
  public static Killed killOne(Fleet fleet, LoadDriver driver, MultiMap headers, double rate, int connections)
      throws Exception {
    LoadSpec spec = window("fleet: kill -9 of one instance", fleet, headers, rate, connections);
    int victim = 1;
    long[] before = failures(fleet);
    Future<Void> killed = after(1000, "fleet-kill", () -> {
      fleet.kill(victim);
      return null;
    });
    LoadResult r = windows(driver, spec, killed);
    killed.get();
    long[] after = failures(fleet);
    long elsewhere = 0;
    for (int i = 0; i < after.length; i++) if (i != victim) elsewhere += after[i] - before[i];
    fleet.revive(victim);
    return new Killed(r, after[victim] - before[victim], elsewhere);
  }

  /**
   * Whether every error of {@code r} is what a request in flight on a killed instance becomes: its connection closed
   * under it, or HAProxy's 502 (not a timeout, nor a 503 for want of an instance).
   */
  public static boolean inFlightKinds(LoadResult r) {
    return r.errorKinds().keySet().stream().allMatch(k -> k.equals("HTTP 502") || k.startsWith("HttpClosedException"));
  }

  private static long[] failures(Fleet fleet) throws IOException {
    long[] n = new long[fleet.size()];
    for (int i = 0; i < n.length; i++) n[i] = fleet.failedOn(i);
    return n;
  }

  /**
   * The demo's free API key (tier free: 100 a minute, burst 20) on {@code /api/posts/p1} through HAProxy, from four
   * threads as fast as they go for {@code seconds} (and at most 4000 requests).
   */
  public static Limited rateLimit(Fleet fleet, double seconds) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fleet.port() + "/api/posts/p1"))
        .header("X-API-Key", "demo-free-key").timeout(Duration.ofSeconds(5)).build();
    AtomicInteger allowed = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger sent = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    long t0 = System.nanoTime();
    long end = t0 + (long) (seconds * 1e9);
    try {
      Future<?>[] workers = new Future<?>[4];
      for (int w = 0; w < workers.length; w++) {
        workers[w] = pool.submit(() -> {
          while (System.nanoTime() < end && sent.incrementAndGet() <= 4000) {
            int status = http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
            (status == 429 ? refused : allowed).incrementAndGet();
          }
          return null;
        });
      }
      for (Future<?> f : workers) f.get((long) seconds + 30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    double elapsed = (System.nanoTime() - t0) / 1e9;
    double perInstance = 20 + 100 * elapsed / 60;
    return new Limited(allowed.get(), refused.get(), elapsed, perInstance, perInstance * fleet.size());
  }

  /**
   * Registers an APQ hash through instance 0 (the query with its hash) and asks instances 1..n-1 for the hash alone;
   * returns the instances that answered with data within a second.
   */
  public static int apqKnownElsewhere(Fleet fleet, String bearer) throws IOException, InterruptedException {
    String query = "query FleetApq { me { id name } } # " + System.nanoTime();
    String hash = sha256(query);
    String ext = "{\"persistedQuery\":{\"version\":1,\"sha256Hash\":\"" + hash + "\"}}";
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    String registered = post(http, fleet.instancePort(0), bearer,
        "{\"query\":" + jsonString(query) + ",\"extensions\":" + ext + "}");
    if (!registered.contains("\"data\"")) throw new IOException("registering through instance 0 answered " + registered);
    int known = 0;
    for (int i = 1; i < fleet.size(); i++) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      String answer;
      do {
        answer = post(http, fleet.instancePort(i), bearer, "{\"extensions\":" + ext + "}");
      } while (!answer.contains("\"data\"") && System.nanoTime() < deadline);
      if (answer.contains("\"data\"")) known++;
    }
    return known;
  }

  private static String post(HttpClient http, int port, String bearer, String body) throws IOException, InterruptedException {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/graphql"))
        .header("content-type", "application/json").header("authorization", bearer).timeout(Duration.ofSeconds(5))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    return http.send(req, HttpResponse.BodyHandlers.ofString()).body();
  }

  private static String jsonString(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
