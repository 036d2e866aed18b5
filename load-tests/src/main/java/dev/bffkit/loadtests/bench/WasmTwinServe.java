package dev.bffkit.loadtests.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A profiling aid for issue 18: the wasm scenario's BFF exactly as the load test runs it (the iOS BFF on {@link
 * WasmBundle}'s folder with the twin routes and filters, the demo services and the body upstream in their processes,
 * the bench's identity provider in this one), held up until this process is stopped. Writes {@code PORT PID
 * AUTHORIZATION} to the file given once the BFF answers signed-in requests, so a script can load the twins with its
 * own client under a profiler ({@code load-tests/reports/issue-18/profile-twin.sh} with {@code IOS=1}).
 * {@code java -Dbffkit.root=. -cp load-tests/target/bff-demo.jar dev.bffkit.loadtests.bench.WasmTwinServe OUT [JAR]}
 * (JAR: another build's bff-ios.jar, the "before" of a change).
 */
public final class WasmTwinServe {
  private WasmTwinServe() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    Path logDir = Files.createTempDirectory("bffkit-wasm-twin-logs");
    Scenarios.ProcessBackends backends = Scenarios.ProcessBackends.start(logDir, 2);
    Scenarios.ProcessTarget upstream = WasmBundle.startUpstream(logDir);
    Path jar = args.length > 1 ? Path.of(args[1]) : Scenarios.jar("bff-ios/target/bff-ios.jar");
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
    stopped.await();
  }
}
