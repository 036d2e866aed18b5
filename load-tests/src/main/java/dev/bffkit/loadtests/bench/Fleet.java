package dev.bffkit.loadtests.bench;

import dev.bffkit.loadtests.bench.Scenarios.Backends;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A local fleet as Kubernetes runs one: {@code size} iOS BFF processes behind HAProxy (Debian's), sharing one Redis.
 * HAProxy plays the Service's endpoints: it health-checks each instance's admin {@code /readyz} every 250 ms and
 * takes it out on the first failure, as endpoints drop a pod that is not ready, and retries only requests that never
 * reached an instance ({@code retry-on conn-failure}: a refused connect), so a request an instance had received and
 * lost is lost. Each instance drains as in a pod: SIGTERM, not ready at once, serving on for {@link #DRAIN_DELAY}
 * (the pod's preStop time), then closing its port and finishing what is in flight.
 */
public final class Fleet implements AutoCloseable {
  public static final Path HAPROXY = Path.of("/usr/sbin/haproxy");
  /** BFF_DRAIN_DELAY of every instance: eight of HAProxy's check intervals, as 5 s is to Kubernetes' endpoints. */
  static final String DRAIN_DELAY = "2s";
  private static final int ADMIN_OFFSET = 1000;

  private final Backends backends;
  private final Map<String, String> env;
  private final Path logDir;
  private final int base;
  private final ChildProcess[] instances;
  private final int[] restarts;
  private final int front;
  private final Path socket;
  private ChildProcess haproxy;

  private Fleet(Backends backends, Map<String, String> env, Path logDir, int size) {
    this.backends = backends;
    this.env = env;
    this.logDir = logDir;
    List<Integer> offsets = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      offsets.add(i);
      offsets.add(ADMIN_OFFSET + i);
    }
    this.base = Scenarios.freePortRange(offsets);
    this.instances = new ChildProcess[size];
    this.restarts = new int[size];
    this.front = Scenarios.freePort();
    this.socket = logDir.resolve("haproxy-" + front + ".sock");
  }

  public static boolean haproxyInstalled() {
    return Files.isExecutable(HAPROXY);
  }

  /**
   * Starts {@code size} instances (BFF_REDIS_URL = {@code redisUrl}; {@code extraEnv} on top) and HAProxy in front;
   * returns once HAProxy sees every instance up.
   */
  public static Fleet start(Backends backends, String redisUrl, Map<String, String> extraEnv, int size, Path logDir)
      throws IOException, InterruptedException {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("BFF_REDIS_URL", redisUrl);
    env.put("BFF_DRAIN_DELAY", DRAIN_DELAY);
    env.putAll(extraEnv);
    Fleet f = new Fleet(backends, env, logDir, size);
    try {
      for (int i = 0; i < size; i++) f.startInstance(i);
      f.startHaproxy();
      for (int i = 0; i < size; i++) f.awaitStatus(i, "UP", 30_000);
      return f;
    } catch (IOException | InterruptedException | RuntimeException e) {
      f.close();
      throw e;
    }
  }

  /** HAProxy's port: where clients send. */
  public int port() {
    return front;
  }

  /** Instance {@code i}'s own client port (bypassing HAProxy). */
  public int instancePort(int i) {
    return base + i;
  }

  public int size() {
    return instances.length;
  }

  private void startInstance(int i) throws IOException, InterruptedException {
    int port = instancePort(i);
    String name = "fleet-bff" + i + "-" + restarts[i]++;
    ChildProcess p = ChildProcess.start(name, ChildProcess.java(Scenarios.sutFlags(logDir, name), "-jar",
        Scenarios.jar("bff-ios/target/bff-ios.jar").toString(), "--port", Integer.toString(port)),
        Scenarios.iosEnv(backends, env), logDir);
    instances[i] = p;
    p.awaitHttp200(port + ADMIN_OFFSET, "/readyz", 20, 60_000);
  }

  private void startHaproxy() throws IOException, InterruptedException {
    StringBuilder servers = new StringBuilder();
    for (int i = 0; i < instances.length; i++) {
      servers.append("  server bff").append(i).append(" 127.0.0.1:").append(instancePort(i))
          .append(" check port ").append(instancePort(i) + ADMIN_OFFSET).append('\n');
    }
    String cfg = """
        global
          maxconn 4096
          stats socket %s mode 600 level admin
          log stderr format raw local0 info
        defaults
          mode http
          log global
          option httplog
          timeout connect 1s
          timeout client 30s
          timeout server 10s
          timeout http-keep-alive 30s
          # a request that never reached an instance (refused connect) goes to another; nothing else is retried
          retries 3
          option redispatch 1
          retry-on conn-failure
          # the endpoints: /readyz on each admin port every 250 ms; out at the first 503 or refusal, in after two 200s.
          # A slow answer is not a failure (2 s): on a loaded 2-core machine a busy instance answers late, not never.
          option httpchk GET /readyz
          timeout check 2s
          default-server inter 250ms fall 1 rise 2
        frontend bffs
          bind 127.0.0.1:%d
          default_backend bffs
        backend bffs
          balance roundrobin
        %s""".formatted(socket, front, servers);
    Path file = logDir.resolve("haproxy-" + front + ".cfg");
    Files.writeString(file, cfg);
    haproxy = ChildProcess.start("haproxy-" + front, List.of(HAPROXY.toString(), "-db", "-f", file.toString()), Map.of(), logDir);
    haproxy.awaitPorts(List.of(front), 10_000);
  }

  /**
   * A rolling restart as Kubernetes does one, one instance at a time: SIGTERM, wait for the process to exit (drain
   * delay, then in-flight requests), start it again, and go on once HAProxy has it back up. Returns the time taken.
   */
  public long rollingRestart() throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    for (int i = 0; i < instances.length; i++) {
      ChildProcess p = instances[i];
      p.close(30_000);
      startInstance(i);
      awaitStatus(i, "UP", 30_000);
    }
    return System.nanoTime() - t0;
  }

  /** SIGKILL of instance {@code i}. */
  public void kill(int i) throws InterruptedException {
    instances[i].kill();
  }

  /**
   * Failures HAProxy counted on instance {@code i} so far: response errors plus transfers the server aborted (its
   * {@code eresp} and {@code srv_abrt} counters; one request may count in both), what a request in flight on a
   * killed instance becomes.
   */
  public long failedOn(int i) throws IOException {
    Map<String, String> row = stats().get("bff" + i);
    return count(row.get("eresp")) + count(row.get("srv_abrt"));
  }

  private static long count(String v) {
    return v == null || v.isEmpty() ? 0 : Long.parseLong(v);
  }

  /** Brings a killed instance back and waits until HAProxy has it up. */
  public void revive(int i) throws IOException, InterruptedException {
    instances[i].close(0);
    startInstance(i);
    awaitStatus(i, "UP", 30_000);
  }

  /** Waits until HAProxy reports instance {@code i}'s status as {@code status} (UP, DOWN). */
  public void awaitStatus(int i, String status, long timeoutMs) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    String seen = null;
    while (System.nanoTime() < deadline) {
      Map<String, String> row = stats().get("bff" + i);
      seen = row == null ? null : row.get("status");
      if (seen != null && seen.startsWith(status)) return;
      Thread.sleep(50);
    }
    throw new IOException("HAProxy still reports bff" + i + " as " + seen + " after " + timeoutMs + " ms (wanted " + status + ")");
  }

  /** HAProxy's {@code show stat}: each server of the backend by name → column → value. */
  public Map<String, Map<String, String>> stats() throws IOException {
    String csv = command("show stat");
    String[] lines = csv.split("\n");
    String[] header = lines[0].replaceFirst("^# ", "").split(",", -1);
    Map<String, Map<String, String>> out = new HashMap<>();
    for (int l = 1; l < lines.length; l++) {
      String[] cols = lines[l].split(",", -1);
      if (cols.length < 2 || !cols[0].equals("bffs")) continue;
      Map<String, String> row = new HashMap<>();
      for (int c = 0; c < Math.min(cols.length, header.length); c++) row.put(header[c], cols[c]);
      out.put(cols[1], row);
    }
    return out;
  }

  private String command(String cmd) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(ByteBuffer.wrap((cmd + "\n").getBytes(StandardCharsets.US_ASCII)));
      ByteBuffer buf = ByteBuffer.allocate(1 << 16);
      StringBuilder sb = new StringBuilder();
      while (ch.read(buf) > 0) {
        buf.flip();
        sb.append(StandardCharsets.US_ASCII.decode(buf));
        buf.clear();
      }
      return sb.toString();
    }
  }

  @Override
  public void close() {
    if (haproxy != null) haproxy.close(2000);
    for (ChildProcess p : instances) if (p != null) p.close(20_000);
  }
}
