package dev.bffkit.loadtests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ObserveConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parsing and arithmetic behind the process-level figures. */
class HarnessHelpersTest {
  @Test
  void systemsUnderTestGetParallelGcUnlessBenchJvmFlagsSaysOtherwise() {
    assertEquals(List.of("-XX:+UseParallelGC", "-Xms256m", "-Xmx512m", "-Dio.netty.allocator.type=pooled"), ChildProcess.sutFlags(null));
    assertEquals(List.of("-XX:+UseParallelGC", "-Xms256m", "-Xmx512m", "-Dio.netty.allocator.type=pooled"), ChildProcess.sutFlags("  "));
    assertEquals(List.of("-XX:+UseG1GC", "-Xmx1g"), ChildProcess.sutFlags(" -XX:+UseG1GC   -Xmx1g "));
  }

  @Test
  void procStatTicksAreUtimePlusStimeCountedAfterTheCommandName() {
    // a command name with spaces and a ')' must not shift the fields
    String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 53265 0 12 0 1234 567 0 0 20 0 41 0 9000 4194304000 61234 "
        + "18446744073709551615 1 1 0 0 0 0 0 4096 16796879 0 0 0 17 1 0 0 0 0 0";
    assertEquals(1234 + 567, ProcStats.parseStatTicks(stat));
    assertThrows(IllegalArgumentException.class, () -> ProcStats.parseStatTicks("garbage"));
  }

  @Test
  void ownCpuTimeIsReadableAndGrows() {
    long pid = ProcessHandle.current().pid();
    long before = ProcStats.cpuNanos(pid);
    long x = 0;
    for (long i = 0; i < 300_000_000L; i++) x += i ^ (x >>> 3);
    assertTrue(x != 42);
    long after = ProcStats.cpuNanos(pid);
    assertTrue(before >= 0 && after > before, before + " → " + after);
    assertTrue(ProcStats.clockTicksPerSecond() > 0);
  }

  @Test
  void rssAndJstatHeapAreParsed() {
    assertEquals(228_104, ProcStats.parseRssKb("Name:\tjava\nVmPeak:\t 3000000 kB\nVmRSS:\t  228104 kB\nThreads:\t30\n"));
    assertEquals(-1, ProcStats.parseRssKb("Name:\tjava\n"));
    String parallel = """
         S0C    S1C    S0U    S1U      EC       EU        OC         OU       MC     MU    CCSC   CCSU   YGC     YGCT    FGC    FGCT     CGC    CGCT     GCT
        10752.0 10752.0  0.0   512.0  65536.0   1024.5   175104.0    9000.0  40000.0 39000.0 5000.0 4500.0      3    0.010   2      0.050   -          -    0.060
        """;
    assertEquals(512.0 + 1024.5 + 9000.0, ProcStats.parseJstatHeapUsedKb(parallel), 1e-9);
    String g1 = """
         S0C    S1C    S0U    S1U      EC       EU        OC         OU       MC     MU    CCSC   CCSU   YGC     YGCT    FGC    FGCT     CGC    CGCT     GCT
         0.0    0.0    0.0    0.0   12288.0   0.0     249856.0   14000.0  40000.0 39000.0 5000.0 4500.0  4    0.020   1   0.040   2  0.001   0.061
        """;
    assertEquals(14000.0, ProcStats.parseJstatHeapUsedKb(g1), 1e-9);
    assertThrows(IllegalArgumentException.class, () -> ProcStats.parseJstatHeapUsedKb("12345: no such process"));
  }

  @Test
  void machineTicksCountIdleAndIowaitAsNotBusy() {
    long[] t = ProcStats.parseMachineTicks("cpu  100 5 50 800 40 1 4 0 0 0\ncpu0 50 2 25 400 20 0 2 0 0 0\nintr 1\n");
    assertEquals(100 + 5 + 50 + 1 + 4, t[0]);
    assertEquals(100 + 5 + 50 + 800 + 40 + 1 + 4, t[1]);
    long[] now = ProcStats.machineCpuNanos();
    assertTrue(now == null || (now[0] > 0 && now[1] >= now[0]));
  }

  @Test
  void medianOfRounds() {
    assertEquals(2.0, Rounds.median(3, 1, 2));
    assertEquals(2.5, Rounds.median(4, 1, 3, 2));
    assertTrue(Double.isNaN(Rounds.median()));
    assertEquals(7.0, Rounds.median(List.of(7)));
    LoadResult slow = closed("bff", 900);
    LoadResult mid = closed("bff", 1000);
    LoadResult fast = closed("bff", 5000);
    assertEquals(mid, Rounds.medianByRate(List.of(fast, slow, mid)));
    assertEquals(slow, Rounds.medianByRate(List.of(fast, slow)), "even count: the lower middle round");
    LoadResult skipped = LoadResult.skipped("bff", "gone");
    assertEquals(mid, Rounds.medianByRate(List.of(skipped, mid)));
    assertEquals(skipped, Rounds.medianByRate(List.of(skipped)));
    assertEquals("5000 / 900 / skipped req/s", Rounds.rates(List.of(fast, slow, skipped)));
  }

  private static LoadResult closed(String system, long requests) {
    Histogram h = LoadDriver.newHistogram();
    h.recordValue(1000);
    return LoadResult.of(LoadSpec.closed(system, 1, "/", 8, Duration.ZERO, Duration.ofSeconds(1)), requests, 0, 1, h);
  }

  @Test
  void statusLinesAndLoggedStartup() {
    assertEquals(200, Http1.parseStatus("HTTP/1.1 200 OK\r"));
    assertEquals(503, Http1.parseStatus("HTTP/1.0 503 Service Unavailable"));
    assertEquals(-1, Http1.parseStatus("SSH-2.0-OpenSSH"));
    assertEquals(-1, Http1.parseStatus(""));
    assertEquals(-1, Http1.status(Scenarios.freePort(), "GET", "/readyz", null, 200), "nothing listening");
    assertEquals(Optional.of(1413L), ChildProcess.parseStartupMs(
        "2026-11-26T17:12:14.858Z level=INFO logger=dev.bffkit event=ready bff=ios url=http://127.0.0.1:1 screens=1 startup_ms=1413\n"));
    assertEquals(Optional.empty(), ChildProcess.parseStartupMs("bff: failed to start"));
  }

  @Test
  void iosBundleWithoutAuthLoadsWithTheSameCallsForTheBenchUser(@TempDir Path tmp) throws Exception {
    String root = System.getProperty("bffkit.root");
    System.setProperty("bffkit.root", Path.of("..").toAbsolutePath().normalize().toString()); // tests run in load-tests/
    try {
      Path dir = Scenarios.writeIosBundleWithoutAuth(tmp);
      ClientBundle b = BundleLoader.load(dir, name -> null);
      assertEquals("ios", b.config().name());
      assertTrue(!b.config().auth().enabled(), "auth must be off");
      ClientBundle original = BundleLoader.load(Scenarios.root().resolve("bff-ios/src/main/resources/bff/ios"), name -> null);
      assertEquals(original.config().services().keySet(), b.config().services().keySet());
      assertEquals(original.screens().size(), b.screens().size());
      String schema = Files.readString(dir.resolve("schema.graphqls"));
      assertTrue(schema.contains("path: \"/users/u1\")"), schema);
      assertTrue(schema.contains("{\\\"userId\\\": \\\"u1\\\"}"), schema); // a JSON string in gRPC request templates
    } finally {
      if (root == null) System.clearProperty("bffkit.root");
      else System.setProperty("bffkit.root", root);
    }
  }

  @Test
  void generatedFanoutFolderLoadsWithTheBundleLoader(@TempDir Path tmp) throws Exception {
    Path dir = Scenarios.writeFanoutBundle(tmp, "http://127.0.0.1:9101", 4);
    ClientBundle b = BundleLoader.load(dir, name -> null);
    assertEquals("fanout4", b.config().name());
    assertEquals(java.util.Set.of("s1", "s2", "s3", "s4"), java.util.Set.copyOf(b.config().services().keySet()));
    assertEquals(1, b.screens().size());
    assertTrue(Files.readString(dir.resolve("schema.graphqls")).contains("f4: User @rest(service: \"s4\", path: \"/users/u4\")"));
  }

  @Test
  void theObserveSwitchesTheHarnessSetsReachTheIosAndFanoutBundles(@TempDir Path tmp) throws Exception {
    Path ios = Path.of("..").toAbsolutePath().normalize().resolve("bff-ios/src/main/resources/bff/ios");
    Path fanout = Scenarios.writeFanoutBundle(tmp, "http://127.0.0.1:9101", 2);
    String sink = "http://127.0.0.1:4318/v1/traces";
    Scenarios.exportTracesTo(sink);
    try {
      Map<String, String> on = Scenarios.observeEnv();
      assertEquals(Map.of("BFF_ACCESS_LOG", "false", "BFF_OTLP_ENDPOINT", sink), on);
      Map<String, String> off = new java.util.HashMap<>(on);
      off.putAll(Scenarios.OBSERVE_OFF);
      for (Path dir : List.of(ios, fanout)) {
        ObserveConfig o = BundleLoader.load(dir, on::get).config().observe();
        assertTrue(o.metrics().enabled(), dir.toString());
        assertTrue(o.tracing().enabled(), dir.toString());
        assertEquals(0.01, o.tracing().sampling(), 1e-12, dir.toString());
        assertEquals(ObserveConfig.Tracing.Exporter.OTLP, o.tracing().exporter(), dir.toString());
        assertEquals(sink, o.tracing().endpoint(), dir.toString());
        assertTrue(!o.accessLog().enabled(), dir.toString());
        ObserveConfig none = BundleLoader.load(dir, off::get).config().observe();
        assertTrue(!none.metrics().enabled() && !none.tracing().enabled() && !none.accessLog().enabled(), dir.toString());
        // without the harness's env: the bundle's defaults, spans logged
        ObserveConfig plain = BundleLoader.load(dir, name -> null).config().observe();
        assertEquals(ObserveConfig.Tracing.Exporter.LOG, plain.tracing().exporter(), dir.toString());
        assertTrue(plain.accessLog().enabled(), dir.toString());
      }
    } finally {
      Scenarios.exportTracesTo(null);
    }
    assertEquals(Map.of("BFF_ACCESS_LOG", "false"), Scenarios.observeEnv());
  }

  @Test
  void handWrittenReadsServiceAddressesLikeTheBffs() {
    Map<String, String> env = Map.of("USERS_URL", "http://127.0.0.1:20001", "POSTS_URL", "http://127.0.0.1:20002,http://127.0.0.1:20012");
    Map<String, Integer> ports = HandWrittenFanout.servicePorts(env::get);
    assertEquals(20001, ports.get("users"));
    assertEquals(20002, ports.get("posts"));
    assertEquals(9103, ports.get("recommendations"), "unset: the demo default");
    int base = Scenarios.freePortRange(6);
    assertTrue(base >= 20_000 && base + 5 < 50_000);
  }

  @Test
  void targetsTableComesFirstWithVerdicts() {
    List<Reports.Target> targets = List.of(
        new Reports.Target("start-up", "≤ 1.5 s", "1.20 s", "0.50 s", "×2.40", true),
        new Reports.Target("heap", "≤ 256 MB", "300 MB", "10 MB", "×30", false),
        new Reports.Target("CPU per screen", "reported", "BFF 80 µs/req", "hand-written 40 µs/req", "×2.00", null));
    String md = Reports.markdown("Bench", List.of("h"), targets, ReportsTest.scenarios());
    assertTrue(md.indexOf("## Targets") < md.indexOf("## Measurements"), md);
    assertTrue(md.contains("| start-up | ≤ 1.5 s | 1.20 s | 0.50 s | ×2.40 | yes |"), md);
    assertTrue(md.contains("| heap | ≤ 256 MB | 300 MB | 10 MB | ×30 | NO |"), md);
    assertTrue(md.contains("| reported |"), md);
    String html = Reports.html("Bench", List.of("h"), targets, ReportsTest.scenarios());
    assertTrue(html.contains("<table id=\"targets\">") && html.contains("class=\"missed\">NO</td>"), html);
  }

  @Test
  void cpuColumnShowsMicrosPerRequest() {
    ScenarioResult s = new ScenarioResult("x", "y");
    LoadResult r = ReportsTest.result("bff", 100, 0);
    s.add(r).cpu(r, 123.4);
    assertEquals(123.4, s.cpu(r), 1e-9);
    assertTrue(Reports.markdown("B", List.of(), List.of(s)).contains("| 123 | baseline |"));
  }
}
