package dev.bffkit.loadtests.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs the scenarios, each with its baselines in the same run, and writes summary.md and
 * report.html. {@code BenchMain [--quick] [--out DIR] [--only a,b]}; scenarios: passthrough,
 * screen, fanout, connections, faults.
 */
public final class BenchMain {
  private final boolean quick;
  private final Duration warmup;
  private final Duration duration;
  private final Vertx sut;
  private final LoadDriver driver;
  private final ProgressBar progress;
  private final List<String> header = new ArrayList<>();
  private final List<ScenarioResult> results = new ArrayList<>();
  private Scenarios.Backends backends;
  private Scenarios.Target bff;
  private String bffError;
  private int handWritten;
  private NginxBaseline nginx;
  private String nginxError;

  private BenchMain(boolean quick) {
    this.quick = quick;
    this.warmup = quick ? Duration.ofMillis(500) : Duration.ofSeconds(3);
    this.duration = quick ? Duration.ofMillis(1500) : Duration.ofSeconds(10);
    int cores = Runtime.getRuntime().availableProcessors();
    this.sut = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(1, cores)));
    this.driver = new LoadDriver(Math.min(2, Math.max(1, cores)));
    this.progress = new ProgressBar(driver);
  }

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    Path out = Path.of("load-tests/reports/latest");
    Set<String> only = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--out" -> out = Path.of(args[++i]);
        case "--only" -> only = Set.of(args[++i].split(","));
        case "-h", "--help" -> {
          System.out.println("BenchMain [--quick] [--out DIR] [--only passthrough,screen,fanout,connections,faults]");
          return;
        }
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    long t0 = System.nanoTime();
    BenchMain b = new BenchMain(quick);
    int status = 0;
    try {
      b.setUp();
      for (String s : List.of("passthrough", "screen", "fanout", "connections", "faults")) {
        if (only != null && !only.contains(s)) continue;
        if (quick && (s.equals("fanout"))) continue;
        try {
          b.run(s);
        } catch (Exception e) {
          b.results.add(new ScenarioResult(s, "failed").add(LoadResult.skipped("-", "scenario failed: " + e)));
          status = 1;
        }
      }
    } finally {
      b.header.add(String.format(Locale.ROOT, "total run time %.0f s", (System.nanoTime() - t0) / 1e9));
      Reports.writeAll(out, "BFF Kit load test" + (quick ? " (quick)" : ""), b.header, b.results);
      b.tearDown();
    }
    System.err.println("report: " + out.resolve("summary.md") + " and " + out.resolve("report.html"));
    System.out.print(Reports.markdown("BFF Kit load test" + (quick ? " (quick)" : ""), b.header, b.results));
    System.exit(status);
  }

  private void setUp() throws Exception {
    header.add("date " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, Java "
        + System.getProperty("java.version") + (quick ? ", quick mode (short runs; numbers are not meaningful)" : ""));
    header.add(String.format(Locale.ROOT, "each measurement: %.1f s warm-up (not recorded) + %.1f s recorded; driver, backends and systems share this machine",
        warmup.toMillis() / 1000.0, duration.toMillis() / 1000.0));
    backends = Scenarios.startBackends(sut).await(30, TimeUnit.SECONDS);
    header.add("backends: " + backends.kind());
    try {
      bff = Scenarios.startIosBff(sut, backends).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      bffError = "iOS BFF did not start: " + oneLine(e);
      header.add(bffError);
    }
    handWritten = HandWrittenFanout.start(sut, backends.ports(), Math.max(1, Runtime.getRuntime().availableProcessors()))
        .await(30, TimeUnit.SECONDS);
    Optional<Path> bin = NginxBaseline.binary();
    if (bin.isEmpty()) {
      nginxError = "nginx not installed (run.sh installs it when root: apt-get install -y nginx)";
      header.add(nginxError);
    } else {
      try {
        nginx = NginxBaseline.start(bin.get(), backends.port("posts"), 12_000);
      } catch (Exception e) {
        nginxError = "nginx did not start: " + oneLine(e);
        header.add(nginxError);
      }
    }
  }

  private void tearDown() {
    progress.close();
    if (nginx != null) nginx.close();
    try {
      if (bff != null) bff.close().get().await(10, TimeUnit.SECONDS);
      if (backends != null) backends.close().await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // exiting anyway
    }
    driver.close();
    sut.close().await();
  }

  private void run(String scenario) throws Exception {
    switch (scenario) {
      case "passthrough" -> passThrough();
      case "screen" -> screen();
      case "fanout" -> fanout();
      case "connections" -> connections();
      case "faults" -> faults();
      default -> throw new IllegalArgumentException(scenario);
    }
  }

  // ---------------------------------------------------------------- scenarios

  private record Sys(String name, int port, String path, String skip) {}

  private List<Sys> passThroughSystems() {
    List<Sys> s = new ArrayList<>();
    s.add(new Sys("direct posts", backends.port("posts"), Scenarios.DIRECT_PATH, null));
    s.add(nginx != null ? new Sys("nginx", nginx.port(), Scenarios.PROXY_PATH, null) : new Sys("nginx", 0, null, nginxError));
    s.add(bff != null ? new Sys("BFF proxy route", bff.port(), Scenarios.PROXY_PATH, null) : new Sys("BFF proxy route", 0, null, bffError));
    return s;
  }

  private void passThrough() {
    ScenarioResult sc = new ScenarioResult("pass-through",
        "GET one post: direct to the posts service vs nginx vs the BFF's plain proxy route, same connection count."
            + " Closed model for max throughput, then open model at 50% of the lowest max.");
    maxThenHalf(sc, passThroughSystems(), quick ? 16 : 64);
    results.add(sc);
  }

  private void screen() {
    ScenarioResult sc = new ScenarioResult("screen",
        "iOS home: hand-written Vert.x fan-out (the ceiling) vs the BFF screen; the slowest backend call alone for reference.");
    List<Sys> systems = new ArrayList<>();
    systems.add(new Sys("hand-written fan-out", handWritten, Scenarios.HOME_PATH, null));
    systems.add(bff != null ? new Sys("BFF iOS home", bff.port(), Scenarios.HOME_PATH, null) : new Sys("BFF iOS home", 0, null, bffError));
    int conns = quick ? 16 : 64;
    double rate = maxThenHalf(sc, systems, conns);
    // the slowest backend call of the screen, at the same rate
    String[] slowest = {"posts", "/users/u1/feed?limit=10"};
    if (!quick) {
      long worst = -1;
      for (String[] call : Scenarios.homeBackendCalls("u1")) {
        LoadResult r = measure(LoadSpec.open(call[0] + " " + call[1], backends.port(call[0]), call[1], rate, conns,
            Duration.ofMillis(300), Duration.ofSeconds(2)));
        if (r.errors() == 0 && r.p99() > worst) {
          worst = r.p99();
          slowest = call;
        }
      }
    }
    sc.add(measure(LoadSpec.open("direct slowest backend: " + slowest[0] + " " + slowest[1], backends.port(slowest[0]),
        slowest[1], rate, conns, warmup, duration)));
    sc.note("the slowest backend call alone is the floor a screen's latency cannot go below");
    results.add(sc);
  }

  private void fanout() throws Exception {
    ScenarioResult sc = new ScenarioResult("fan-out width",
        "BFF with a generated screen touching 1, 2, 4, 8, 16, 32 services, open model at a fixed rate.");
    progress.scenario(sc.name());
    double rate = 200;
    for (int width : new int[] {1, 2, 4, 8, 16, 32}) {
      Optional<Future<Scenarios.Target>> t = Scenarios.startFanoutBff(sut, backends, width);
      String name = "BFF width " + width;
      if (t.isEmpty()) {
        sc.add(LoadResult.skipped(name, "no generated fan-out bundle yet (Scenarios.startFanoutBff)"));
        continue;
      }
      Scenarios.Target target = t.get().await(30, TimeUnit.SECONDS);
      try {
        sc.add(measure(LoadSpec.open(name, target.port(), Scenarios.fanoutPath(width), rate, 64, warmup, duration)
            .withHeaders(Scenarios.bffHeaders())));
      } finally {
        target.close().get().await(10, TimeUnit.SECONDS);
      }
    }
    results.add(sc);
  }

  private void connections() {
    ScenarioResult sc = new ScenarioResult("connections",
        "Many keep-alive connections (most idle) at a fixed modest rate spread over all of them; pass-through path.");
    progress.scenario(sc.name());
    long maxFd = maxFileDescriptors();
    // client and server ends of each connection both live in this JVM (except for nginx)
    long allowed = maxFd <= 0 ? 10_000 : Math.max(64, (maxFd - 2_000) / 2);
    int[] counts = quick ? new int[] {1000} : new int[] {64, 1000, 10_000};
    double rate = quick ? 500 : 1000;
    for (int n : counts) {
      int use = (int) Math.min(n, allowed);
      if (use < n) {
        sc.note("ulimit -n is " + maxFd + ": " + n + " connections reduced to " + use + " (raise it, run.sh tries)");
      }
      for (Sys s : passThroughSystems()) {
        String name = s.name() + " × " + use;
        if (s.skip() != null) {
          sc.add(LoadResult.skipped(name, s.skip()));
          continue;
        }
        sc.add(measure(LoadSpec.open(name, s.port(), s.path(), rate, use, warmup, duration)
            .withHeaders(s.name().startsWith("BFF") ? Scenarios.bffHeaders() : null)));
      }
    }
    results.add(sc);
  }

  private void faults() throws Exception {
    // 200 ms per slow screen: keep connections >= 2 x rate x 0.2 s so the driver is not the bottleneck
    int conns = quick ? 64 : 256;
    double rate = quick ? 100 : 300;
    HttpClientAgent client = sut.createHttpClient();
    try {
      fault(client, "faults: analytics slow", "analytics", "{\"latencyMs\":200}",
          "analytics answers after 200 ms (its p99 is 200 ms); the other calls are unchanged", rate, conns);
      fault(client, "faults: ads failing 50%", "ads", "{\"errorRate\":0.5}",
          "ads fails half its calls (500); the screen should still answer without ads", rate, conns);
      hedging(client, rate, conns);
    } finally {
      client.close();
    }
  }

  /**
   * One of the two posts replicas slow (200 ms): the iOS home with and without hedging on posts.
   * Least request already sends the slow replica little; hedging (after the observed p95) takes
   * the rest off the tail.
   */
  private void hedging(HttpClientAgent client, double rate, int conns) throws Exception {
    String name = "faults: one posts replica slow, hedging off/on";
    ScenarioResult sc = new ScenarioResult(name, "posts-2 answers after 200 ms, posts-1 is healthy; the iOS BFF"
        + " without and with hedge.enabled on posts (delay = observed p95); open model at " + (int) rate + " req/s.");
    progress.scenario(name);
    if (backends.postsReplicaPort() < 0 || bff == null) {
      sc.add(LoadResult.skipped("BFF iOS home", bff == null ? bffError : "backends have one posts replica"));
      results.add(sc);
      return;
    }
    Scenarios.Target hedged = Scenarios.startIosBff(sut, backends, java.util.Map.of("POSTS_HEDGE", "true"))
        .await(30, TimeUnit.SECONDS);
    Scenarios.chaos(client, backends.postsReplicaPort(), "{\"latencyMs\":200}").await(10, TimeUnit.SECONDS);
    try {
      sc.add(measure(LoadSpec.open("BFF iOS home, no hedging", bff.port(), Scenarios.HOME_PATH, rate, conns, warmup, duration)
          .withHeaders(Scenarios.bffHeaders())));
      sc.add(measure(LoadSpec.open("BFF iOS home, hedging", hedged.port(), Scenarios.HOME_PATH, rate, conns, warmup, duration)
          .withHeaders(Scenarios.bffHeaders())));
    } finally {
      Scenarios.chaos(client, backends.postsReplicaPort(), null).await(10, TimeUnit.SECONDS);
      hedged.close().get().await(10, TimeUnit.SECONDS);
    }
    results.add(sc);
  }

  private void fault(HttpClientAgent client, String name, String service, String chaos, String description,
      double rate, int conns) throws Exception {
    ScenarioResult sc = new ScenarioResult(name, description + "; open model at " + (int) rate + " req/s.");
    progress.scenario(name);
    Scenarios.chaos(client, backends.port(service), chaos).await(10, TimeUnit.SECONDS);
    try {
      sc.add(measure(LoadSpec.open("hand-written fan-out", handWritten, Scenarios.HOME_PATH, rate, conns, warmup, duration)));
      if (bff == null) sc.add(LoadResult.skipped("BFF iOS home", bffError));
      else sc.add(measure(LoadSpec.open("BFF iOS home", bff.port(), Scenarios.HOME_PATH, rate, conns, warmup, duration)
          .withHeaders(Scenarios.bffHeaders())));
    } finally {
      Scenarios.chaos(client, backends.port(service), null).await(10, TimeUnit.SECONDS);
    }
    results.add(sc);
  }

  /**
   * Closed model on every system for its max rate, then open model for all at 50% of the lowest
   * max among the systems that answered without errors. Returns that rate.
   */
  private double maxThenHalf(ScenarioResult sc, List<Sys> systems, int conns) {
    progress.scenario(sc.name() + " (max)");
    double lowest = Double.MAX_VALUE;
    for (Sys s : systems) {
      if (s.skip() != null) {
        sc.add(LoadResult.skipped(s.name(), s.skip()));
        continue;
      }
      LoadResult r = measure(LoadSpec.closed(s.name(), s.port(), s.path(), conns, warmup, duration)
          .withHeaders(s.name().startsWith("BFF") ? Scenarios.bffHeaders() : null));
      sc.add(r);
      if (r.errorRatio() < 0.01 && r.achievedRate() > 0) lowest = Math.min(lowest, r.achievedRate());
      else sc.note(s.name() + " had " + Reports.errors(r) + " errors in the closed run; not used to pick the open-model rate");
    }
    double rate = lowest == Double.MAX_VALUE ? 100 : Math.max(50, Math.floor(lowest / 2));
    progress.scenario(sc.name() + String.format(Locale.ROOT, " (open %.0f req/s)", rate));
    for (Sys s : systems) {
      if (s.skip() != null) continue;
      sc.add(measure(LoadSpec.open(s.name(), s.port(), s.path(), rate, conns, warmup, duration)
          .withHeaders(s.name().startsWith("BFF") ? Scenarios.bffHeaders() : null)));
    }
    return rate;
  }

  private LoadResult measure(LoadSpec spec) {
    try {
      LoadResult r = driver.start(spec).await(spec.warmup().toMillis() + spec.duration().toMillis()
          + spec.drain().toMillis() + 60_000, TimeUnit.MILLISECONDS);
      progress.done(r);
      return r;
    } catch (Exception e) {
      LoadResult r = LoadResult.skipped(spec.system(), "measurement failed: " + oneLine(e));
      progress.done(r);
      return r;
    }
  }

  private static long maxFileDescriptors() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean u) {
      return u.getMaxFileDescriptorCount();
    }
    return -1;
  }

  private static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    return m.replace('\n', ' ');
  }
}
