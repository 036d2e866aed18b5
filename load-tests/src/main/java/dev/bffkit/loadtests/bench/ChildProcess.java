package dev.bffkit.loadtests.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A system under test in its own process (as a user deploys it): stdout and stderr go to files in
 * the log folder; every child is registered so a JVM shutdown hook kills whatever is still alive
 * (the harness also closes each one in a finally block).
 */
public final class ChildProcess implements AutoCloseable {
  /**
   * JVM flags of the BFF and of the hand-written fan-out, identical so the comparison is fair:
   * ParallelGC (throughput collector: no concurrent GC threads competing for the 2 shared cores),
   * fixed 256 MB initial heap, 512 MB cap (leaves room above the 256 MB heap target).
   * {@code BENCH_JVM_FLAGS} (space-separated) replaces them, e.g. to compare collectors.
   */
  public static final List<String> SUT_JVM_FLAGS = sutFlags(System.getenv("BENCH_JVM_FLAGS"));

  static List<String> sutFlags(String override) {
    // The allocator the BFF launcher chooses (NettyDefaults), for the hand-written baselines too: like for like.
    if (override == null || override.isBlank()) {
      return List.of("-XX:+UseParallelGC", "-Xms256m", "-Xmx512m", "-Dio.netty.allocator.type=pooled");
    }
    return List.of(override.trim().split("\\s+"));
  }

  private static final Set<ChildProcess> LIVE = ConcurrentHashMap.newKeySet();
  /** CPU time of children already closed, so a run can tell its own CPU use from the machine's. */
  private static final java.util.concurrent.atomic.AtomicLong CLOSED_CPU = new java.util.concurrent.atomic.AtomicLong();
  private static final Pattern STARTUP_MS = Pattern.compile("startup_ms=(\\d+)");

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ChildProcess::killAll, "kill-children"));
  }

  private final String name;
  private final Process process;
  private final long startedNanos;
  private final Path stdout;
  private final Path stderr;

  private ChildProcess(String name, Process process, long startedNanos, Path stdout, Path stderr) {
    this.name = name;
    this.process = process;
    this.startedNanos = startedNanos;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** Starts {@code cmd} with extra environment; logs to {@code logDir/<name>.stdout.log / .stderr.log}. */
  public static ChildProcess start(String name, List<String> cmd, Map<String, String> env, Path logDir) throws IOException {
    Files.createDirectories(logDir);
    String file = Reports.slug(name);
    Path out = logDir.resolve(file + ".stdout.log");
    Path err = logDir.resolve(file + ".stderr.log");
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd)).redirectOutput(out.toFile()).redirectError(err.toFile());
    if (env != null) pb.environment().putAll(env);
    long t0 = System.nanoTime();
    Process p = pb.start();
    ChildProcess c = new ChildProcess(name, p, t0, out, err);
    LIVE.add(c);
    return c;
  }

  /** {@code java <flags> <args...>} with the java binary that runs the harness. */
  public static List<String> java(List<String> flags, String... args) {
    return java(javaHere(), flags, args);
  }

  /** The launcher of the JVM running the harness. */
  public static Path javaHere() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  /** The same with another JVM's launcher (e.g. a newer JDK for its AOT cache). */
  public static List<String> java(Path javaBin, List<String> flags, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBin.toString());
    cmd.addAll(flags);
    cmd.addAll(List.of(args));
    return cmd;
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path stderrLog() {
    return stderr;
  }

  /** CPU time (user + system) of the process and its descendants so far, ns. */
  public long cpuNanos() {
    return ProcStats.treeCpuNanos(process.toHandle());
  }

  /**
   * Polls {@code GET path} every {@code pollMs} until it answers 200; returns the wall time from
   * just before the process was started, in ns. Fails when the process exits or the time is up.
   */
  public long awaitHttp200(int port, String path, long pollMs, long timeoutMs) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (System.nanoTime() < deadline) {
      if (Http1.status(port, "GET", path, null, 500) == 200) return System.nanoTime() - startedNanos;
      failIfDead();
      Thread.sleep(pollMs);
    }
    throw new IOException(name + ": no 200 from " + path + " on port " + port + " within " + timeoutMs + " ms" + tail());
  }

  /** Waits until every port accepts TCP connections. */
  public void awaitPorts(List<Integer> ports, long timeoutMs) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    for (int port : ports) {
      while (true) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", port), 200);
          break;
        } catch (IOException notYet) {
          failIfDead();
          if (System.nanoTime() > deadline) {
            throw new IOException(name + ": port " + port + " not listening within " + timeoutMs + " ms" + tail());
          }
          Thread.sleep(20);
        }
      }
    }
  }

  private void failIfDead() throws IOException {
    if (!process.isAlive()) throw new IOException(name + " exited with " + process.exitValue() + tail());
  }

  private String tail() {
    try {
      String s = Files.readString(stderr).strip();
      if (s.isEmpty()) return "";
      return "; stderr: " + (s.length() > 400 ? "..." + s.substring(s.length() - 400) : s).replace('\n', ' ');
    } catch (IOException e) {
      return "";
    }
  }

  /** The {@code startup_ms=N} a BFF logs on stderr when ready; empty when not (yet) logged. */
  public Optional<Long> loggedStartupMs() {
    try {
      return parseStartupMs(Files.readString(stderr));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static Optional<Long> parseStartupMs(String log) {
    Matcher m = STARTUP_MS.matcher(log);
    return m.find() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
  }

  /** SIGKILL, as when the host dies: nothing drains; the process is gone when this returns. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGTERM, then SIGKILL after {@code graceMs}; the process tree (nginx workers) too. */
  public void close(long graceMs) {
    if (!LIVE.remove(this)) return;
    CLOSED_CPU.addAndGet(Math.max(0, cpuNanos()));
    List<ProcessHandle> kids = process.toHandle().descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(graceMs, TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    kids.forEach(ProcessHandle::destroyForcibly);
  }

  @Override
  public void close() {
    close(3000);
  }

  /** CPU time (ns) of every child started so far: the closed ones plus the live ones now. */
  public static long allChildrenCpuNanos() {
    long sum = CLOSED_CPU.get();
    for (ChildProcess c : LIVE) sum += Math.max(0, c.cpuNanos());
    return sum;
  }

  /** Kills every child still alive (shutdown hook; also safe to call directly). */
  public static void killAll() {
    for (ChildProcess c : List.copyOf(LIVE)) {
      LIVE.remove(c);
      c.process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      c.process.destroyForcibly();
    }
  }
}
