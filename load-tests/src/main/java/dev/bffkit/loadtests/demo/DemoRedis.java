package dev.bffkit.loadtests.demo;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The demo's Redis, shared by every BFF instance for the global rate limits: a {@code redis-server} child
 * process on 127.0.0.1 only, writing nothing to disk, stopped with the demo. {@link #start} blocks (process
 * start, PING), so call it before Vert.x work or on a worker, never on an event loop.
 *
 * <p>Which Redis, in order:
 * <ol>
 *   <li>{@code BFF_REDIS_URL} set by the user: theirs, nothing is started ({@link Source#USER}).
 *   <li>No {@code redis-server} on PATH, in /usr/bin or /usr/local/bin: none ({@link Source#ABSENT}); the BFFs
 *       then limit with their own local limiters.
 *   <li>Port {@code REDIS_PORT} (default 6379) already answers PING with {@code +PONG}: reused, not owned
 *       ({@link Source#REUSED}); so a second demo started beside the first shares the first one's limits.
 *   <li>The port is free: a new server on it ({@link Source#STARTED}).
 *   <li>The port is held by something that is not a Redis we may use (no PONG, e.g. another program or a
 *       Redis wanting AUTH), or the server could not bind it: a new server on an ephemeral loopback port.
 * </ol>
 */
public final class DemoRedis implements AutoCloseable {
  public static final int DEFAULT_PORT = 6379;
  static final String BINARY = "redis-server";
  static final List<Path> KNOWN_BINARIES = List.of(Path.of("/usr/bin", BINARY), Path.of("/usr/local/bin", BINARY));
  static final long READY_WAIT_MS = 5_000;
  private static final long STOP_WAIT_MS = 5_000;
  private static final int EPHEMERAL_TRIES = 3;

  /** Where the Redis came from. */
  public enum Source { USER, STARTED, REUSED, ABSENT }

  private final Source source;
  private final String url;
  private final String detail;
  private final Process process;
  private final Path dir;
  private final Thread hook;
  private volatile CompletableFuture<Void> stopped;

  private DemoRedis(Source source, String url, String detail, Process process, Path dir) {
    this.source = source;
    this.url = url;
    this.detail = detail;
    this.process = process;
    this.dir = dir;
    this.hook = process == null ? null : new Thread(() -> awaitStop(), "bff-demo-redis-stop");
    if (hook != null) Runtime.getRuntime().addShutdownHook(hook);
  }

  /** From the process environment ({@code BFF_REDIS_URL}, {@code REDIS_PORT}, {@code PATH}). Blocks. */
  public static DemoRedis start(Function<String, String> env) {
    return start(env, KNOWN_BINARIES);
  }

  static DemoRedis start(Function<String, String> env, List<Path> knownBinaries) {
    String userUrl = env.apply("BFF_REDIS_URL");
    if (userUrl != null && !userUrl.isBlank()) {
      return new DemoRedis(Source.USER, userUrl.trim(), "BFF_REDIS_URL is set", null, null);
    }
    String portText = env.apply("REDIS_PORT");
    int port;
    try {
      port = portText == null || portText.isBlank() ? DEFAULT_PORT : Integer.parseInt(portText.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("REDIS_PORT: not a number: " + portText);
    }
    if (port < 1 || port > 65535) throw new IllegalArgumentException("REDIS_PORT: port out of range: " + port);
    Path binary = find(env.apply("PATH"), knownBinaries);
    if (binary == null) {
      return absent(BINARY + " not found");
    }
    Probe probe = probe(port);
    if (probe == Probe.PONG) {
      return new DemoRedis(Source.REUSED, url(port), "a Redis already answers PING on port " + port, null, null);
    }
    String why;
    if (probe == Probe.FREE) {
      try {
        return launch(binary, port, "port " + port);
      } catch (IOException e) {
        why = e.getMessage();
      }
    } else {
      why = "port " + port + " is held by something that does not answer PING with +PONG";
    }
    // Another program on the port (or a bind race): an ephemeral port, retried a few times for the race.
    for (int i = 0; i < EPHEMERAL_TRIES; i++) {
      try {
        return launch(binary, freePort(), why + "; an ephemeral port instead");
      } catch (IOException e) {
        why = e.getMessage();
      }
    }
    return absent(BINARY + " did not start: " + why);
  }

  /** The URL the BFFs use ({@code redis://127.0.0.1:P}), or null when {@link #available()} is false. */
  public String url() {
    return url;
  }

  public boolean available() {
    return source != Source.ABSENT;
  }

  public Source source() {
    return source;
  }

  /** How this Redis was chosen, or why there is none. */
  public String detail() {
    return detail;
  }

  /** The line the demo prints when there is no Redis, or null. */
  public String notice() {
    if (available()) return null;
    String why = detail.equals(BINARY + " not found") ? BINARY + " not found (apt-get install redis-server)" : detail;
    return "bff-demo: " + why + "; rate limits use each BFF's local limiter";
  }

  /** The temp dir the owned server runs in (its --dir), or null. */
  Path dir() {
    return dir;
  }

  /** The child process's id, or -1 when this handle owns no process. */
  public long pid() {
    return process == null ? -1 : process.pid();
  }

  /**
   * Stops the owned server without blocking the caller: SIGTERM, then SIGKILL after 5 s; the temp dir goes
   * after. Idempotent; completes at once for a Redis this handle does not own.
   */
  public synchronized CompletableFuture<Void> stop() {
    if (stopped != null) return stopped;
    if (process == null) return stopped = CompletableFuture.completedFuture(null);
    if (hook != null && Thread.currentThread() != hook) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs (or ran) anyway; stop() is idempotent
      }
    }
    process.destroy();
    stopped = process.onExit()
        .orTimeout(STOP_WAIT_MS, TimeUnit.MILLISECONDS)
        .handle((p, timedOut) -> {
          if (timedOut != null) process.destroyForcibly();
          return null;
        })
        .thenCompose(x -> process.onExit().orTimeout(STOP_WAIT_MS, TimeUnit.MILLISECONDS))
        .handle((p, e) -> {
          deleteDir(dir);
          return null;
        });
    return stopped;
  }

  /** {@link #stop()} and waits for it (bounded). Blocks: not on an event loop. */
  @Override
  public void close() {
    awaitStop();
  }

  private void awaitStop() {
    try {
      stop().get(3 * STOP_WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception ignored) {
      // stop() never fails; a timeout leaves a killed process the OS reaps
    }
  }

  @Override
  public String toString() {
    return "redis source=" + source + (url != null ? " url=" + url : "") + (process != null ? " pid=" + process.pid() : "")
        + " detail=\"" + detail + "\"";
  }

  private static DemoRedis absent(String why) {
    return new DemoRedis(Source.ABSENT, null, why, null, null);
  }

  static String url(int port) {
    return "redis://127.0.0.1:" + port;
  }

  /** The first executable redis-server on PATH, then in the known places. */
  static Path find(String path, List<Path> knownBinaries) {
    List<Path> candidates = new ArrayList<>();
    if (path != null) {
      for (String d : path.split(File.pathSeparator)) {
        if (!d.isBlank()) candidates.add(Path.of(d, BINARY));
      }
    }
    candidates.addAll(knownBinaries);
    for (Path p : candidates) {
      if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
    }
    return null;
  }

  /** A child redis-server on 127.0.0.1:port, answering PING; or IOException with the reason. */
  private static DemoRedis launch(Path binary, int port, String how) throws IOException {
    Path dir = Files.createTempDirectory("bff-demo-redis-");
    Path log = dir.resolve("redis.log");
    // Loopback only, no RDB/AOF, protected mode on, its working dir a temp dir: nothing of the demo outlives it.
    Process p = new ProcessBuilder(binary.toString(), "--bind", "127.0.0.1", "--port", Integer.toString(port),
        "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--dir", dir.toString(),
        "--daemonize", "no", "--loglevel", "warning")
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_WAIT_MS);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        String last = lastLine(log);
        deleteDir(dir);
        throw new IOException("redis-server on port " + port + " exited " + p.exitValue() + (last.isEmpty() ? "" : ": " + last));
      }
      if (probe(port) == Probe.PONG) {
        return new DemoRedis(Source.STARTED, url(port), "started on " + how + " (pid " + p.pid() + ")", p, dir);
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    p.destroyForcibly();
    deleteDir(dir);
    throw new IOException("redis-server on port " + port + " did not answer PING within " + READY_WAIT_MS + " ms");
  }

  enum Probe { FREE, PONG, OTHER }

  /** What listens on 127.0.0.1:port: nothing, a Redis answering {@code PING} with {@code +PONG}, or other. */
  static Probe probe(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      s.setSoTimeout(1_000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII)); // RESP inline command
      out.flush();
      InputStream in = s.getInputStream();
      byte[] want = "+PONG\r\n".getBytes(StandardCharsets.US_ASCII);
      for (byte b : want) {
        if (in.read() != b) return Probe.OTHER;
      }
      return Probe.PONG;
    } catch (IOException e) {
      // Refused: free. Connected but silent or reset: someone else's.
      return e instanceof ConnectException ? Probe.FREE : Probe.OTHER;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String lastLine(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (!lines.get(i).isBlank()) return lines.get(i).strip();
      }
    } catch (IOException ignored) {
      // no log: no detail
    }
    return "";
  }

  private static void deleteDir(Path dir) {
    if (dir == null) return;
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir left behind is harmless
    }
  }
}
