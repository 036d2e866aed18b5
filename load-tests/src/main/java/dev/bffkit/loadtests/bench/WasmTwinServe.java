package dev.bffkit.loadtests.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * A profiling aid for issue 18: the wasm scenario's BFF exactly as the load test runs it (the iOS BFF on {@link
 * WasmBundle}'s folder with the twin routes and filters, the demo services and the body upstream in their processes,
 * the bench's identity provider in this one), held up until this process is stopped. Writes {@code PORT PID
 * AUTHORIZATION} to the file given once the BFF answers signed-in requests, so a script can load the twins with its
 * own client under a profiler ({@code load-tests/reports/issue-18/profile-twin.sh} with {@code IOS=1}).
 * {@code java -Dbffkit.root=. -cp load-tests/target/bff-demo.jar dev.bffkit.loadtests.bench.WasmTwinServe OUT [JAR|-] [ROUNDS
 * [WARMUP_MS WINDOW_MS]]}
 * (JAR: another build's bff-ios.jar, the "before" of a change).
 */
public final class WasmTwinServe {
  private WasmTwinServe() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    Path logDir = Files.createTempDirectory("bffkit-wasm-twin-logs");
    Scenarios.ProcessBackends backends = Scenarios.ProcessBackends.start(logDir, 2);
    Scenarios.ProcessTarget upstream = WasmBundle.startUpstream(logDir);
    Path jar = args.length > 1 && !args[1].equals("-") ? Path.of(args[1]) : Scenarios.jar("bff-ios/target/bff-ios.jar");
    Scenarios.ProcessTarget bff = WasmBundle.start(jar, backends,
        WasmBundle.write(Files.createTempDirectory("bffkit-wasm-twin"), "filters", upstream.port()), logDir, "bff-wasm");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      bff.close();
      upstream.close();
      backends.process().close();
      stopped.countDown();
    }));
    Scenarios.awaitSignedIn(bff, 60_000);
    Files.writeString(out, bff.port() + " " + bff.process().pid() + " " + Scenarios.bffHeaders().get("authorization")
        + "\n");
    System.out.println("serving on " + bff.port() + " (logs in " + logDir + ")");
    if (args.length > 2) {
      // a round: each twin loaded for WARMUP_MS unrecorded then WINDOW_MS recorded (default 2 s + 4 s, as the bench)
      Duration warmup = Duration.ofMillis(args.length > 3 ? Long.parseLong(args[3]) : 2000);
      Duration window = Duration.ofMillis(args.length > 4 ? Long.parseLong(args[4]) : 4000);
      rounds(bff, Integer.parseInt(args[2]), System.getenv("ASPROF_LIB"), out.resolveSibling("twin-harness-"), warmup,
          window);
      System.exit(0);
    }
    stopped.await();
  }

  /**
   * The load test's closed rounds on the twins (its driver, 64 connections, {@code warmup} + {@code window},
   * alternating which twin goes first), each recorded window's CPU per request, JIT compiler threads' CPU and system
   * calls printed, and with {@code asprof} (libasyncProfiler.so) each
   * window profiled into {@code prefix + route + ".collapsed"} (appended).
   */
  private static void rounds(Scenarios.ProcessTarget bff, int n, String asprof, Path prefix, Duration warmup,
      Duration window) throws Exception {
    String[] paths = {Scenarios.PROXY_PATH, WasmBundle.FILTERED_PROXY_PATH};
    String[] names = {"api", "wasm"};
    long pid = bff.process().pid();
    try (LoadDriver driver = new LoadDriver(2)) {
      for (String p : paths) { // the harness's pre-warm
        driver.start(LoadSpec.closed("pre-warm", bff.port(), p, 32, Duration.ofSeconds(1), Duration.ofSeconds(12))
            .withHeaders(Scenarios.bffHeaders())).await();
      }
      for (int round = 1; round <= n; round++) {
        for (int k = 0; k < 2; k++) {
          int i = round % 2 == 1 ? k : 1 - k;
          long[] cpu = new long[2];
          long[] jit = new long[2];
          long[][] sys = new long[2][];
          CountDownLatch measured = new CountDownLatch(1); // the probe's thread may end after the load's future
          LoadDriver.Probe probe = new LoadDriver.Probe() {
            @Override
            public void windowStart() {
              if (asprof != null) jcmd(pid, asprof, "start,event=cpu,interval=1ms");
              cpu[0] = bff.process().cpuNanos();
              jit[0] = ProcStats.threadsCpuNanos(pid, "C1 Compiler", "C2 Compiler");
              sys[0] = ProcStats.ioSyscalls(pid);
            }

            @Override
            public void windowEnd() {
              cpu[1] = bff.process().cpuNanos();
              jit[1] = ProcStats.threadsCpuNanos(pid, "C1 Compiler", "C2 Compiler");
              sys[1] = ProcStats.ioSyscalls(pid);
              if (asprof != null) {
                jcmd(pid, asprof, "stop,collapsed,file=" + prefix + names[i] + ".part");
              }
              measured.countDown(); // after the profile's file is written: the main thread appends it next
            }
          };
          LoadResult r = driver.start(LoadSpec.closed(names[i], bff.port(), paths[i], 64, warmup, window)
              .withHeaders(Scenarios.bffHeaders()), probe).await();
          measured.await();
          if (asprof != null) {
            Path part = Path.of(prefix + names[i] + ".part");
            if (Files.exists(part)) {
              Files.write(Path.of(prefix + names[i] + ".collapsed"), Files.readAllBytes(part), StandardOpenOption.CREATE,
                  StandardOpenOption.APPEND);
            }
          }
          System.out.printf(Locale.ROOT, "round %d %-4s %8.0f req/s  %6.1f µs/req (proc) %d requests;"
              + " JIT compiler threads %.1f µs/req; per request %.3f reads %.3f writes%n", round, names[i], r.achievedRate(),
              (cpu[1] - cpu[0]) / 1e3 / r.requests(), r.requests(), (jit[1] - jit[0]) / 1e3 / r.requests(),
              (double) (sys[1][0] - sys[0][0]) / r.requests(),
              (double) (sys[1][1] - sys[0][1]) / r.requests());
        }
      }
    }
  }

  private static void jcmd(long pid, String lib, String command) {
    try {
      // jcmd joins its arguments: the agent's options travel quoted, as one
      new ProcessBuilder("jcmd", Long.toString(pid), "JVMTI.agent_load", lib, "\"" + command + "\"").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    } catch (Exception e) {
      throw new IllegalStateException("jcmd " + command + ": " + e, e);
    }
  }
}
