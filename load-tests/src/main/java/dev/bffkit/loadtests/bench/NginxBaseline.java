package dev.bffkit.loadtests.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * nginx as a reverse proxy baseline: a generated nginx.conf in a temp dir (pid, logs, temp paths
 * inside it), {@code /api/} proxied to one upstream with the prefix stripped, like the BFF's proxy
 * route; upstream keep-alive pool of 64; started as a child process with {@code daemon off}.
 */
public final class NginxBaseline implements AutoCloseable {
  private final Path dir;
  private final Process process;
  private final int port;

  private NginxBaseline(Path dir, Process process, int port) {
    this.dir = dir;
    this.process = process;
    this.port = port;
  }

  /** The nginx binary: on PATH or /usr/sbin/nginx; empty when not installed. */
  public static Optional<Path> binary() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String d : (path + ":/usr/sbin:/usr/local/sbin:/usr/local/nginx/sbin").split(":")) {
      if (d.isEmpty()) continue;
      Path p = Path.of(d, "nginx");
      if (Files.isExecutable(p)) return Optional.of(p);
    }
    return Optional.empty();
  }

  /** The nginx.conf text: listen on 127.0.0.1:port, proxy /api/ to 127.0.0.1:upstreamPort. */
  public static String config(Path dir, int port, int upstreamPort, int workerConnections) {
    return config(dir, port, List.of(upstreamPort), workerConnections);
  }

  /** The same with several upstream servers (round robin, like the BFF's replicas). */
  public static String config(Path dir, int port, List<Integer> upstreamPorts, int workerConnections) {
    String d = dir.toAbsolutePath().toString();
    boolean root = "root".equals(System.getProperty("user.name"));
    return (root ? "user root;\n" : "")
        + "worker_processes auto;\n"
        + "worker_rlimit_nofile " + (2 * workerConnections + 1024) + ";\n"
        + "pid " + d + "/nginx.pid;\n"
        + "error_log " + d + "/error.log warn;\n"
        + "events { worker_connections " + workerConnections + "; multi_accept on; }\n"
        + "http {\n"
        + "  access_log off;\n"
        + "  client_body_temp_path " + d + "/client_body;\n"
        + "  proxy_temp_path " + d + "/proxy;\n"
        + "  fastcgi_temp_path " + d + "/fastcgi;\n"
        + "  uwsgi_temp_path " + d + "/uwsgi;\n"
        + "  scgi_temp_path " + d + "/scgi;\n"
        + "  keepalive_timeout 120s;\n"
        + "  keepalive_requests 1000000;\n"
        + "  upstream backend {\n"
        + upstreamPorts.stream().map(p -> "    server 127.0.0.1:" + p + ";\n").reduce("", String::concat)
        + "    keepalive 64;\n"
        + "    keepalive_requests 1000000;\n"
        + "  }\n"
        + "  server {\n"
        + "    listen 127.0.0.1:" + port + " backlog=4096;\n"
        + "    location /api/ {\n"
        + "      proxy_pass http://backend/;\n"
        + "      proxy_http_version 1.1;\n"
        + "      proxy_set_header Connection \"\";\n"
        + "    }\n"
        + "  }\n"
        + "}\n";
  }

  /** Starts nginx in front of 127.0.0.1:upstreamPort and waits until it accepts connections. */
  public static NginxBaseline start(Path nginx, int upstreamPort, int workerConnections) throws IOException, InterruptedException {
    return start(nginx, List.of(upstreamPort), workerConnections);
  }

  /** Starts nginx in front of several upstream servers (round robin). */
  public static NginxBaseline start(Path nginx, List<Integer> upstreamPorts, int workerConnections)
      throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("bffkit-nginx");
    int port = Scenarios.freePort();
    Path conf = dir.resolve("nginx.conf");
    Files.writeString(conf, config(dir, port, upstreamPorts, workerConnections));
    Process p = new ProcessBuilder(List.of(nginx.toString(), "-p", dir + "/", "-e", dir + "/error.log",
        "-c", conf.toString(), "-g", "daemon off;"))
        .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
    NginxBaseline n = new NginxBaseline(dir, p, port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        String log = Files.exists(dir.resolve("error.log")) ? Files.readString(dir.resolve("error.log")) : "";
        String out = Files.readString(dir.resolve("stdout.log"));
        n.close();
        throw new IOException("nginx exited with " + p.exitValue() + ": " + (out + log).strip());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return n;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    n.close();
    throw new IOException("nginx did not listen on 127.0.0.1:" + port + " within 10 s");
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  /** CPU time (user + system) of the master and its workers so far, ns. */
  public long cpuNanos() {
    return ProcStats.treeCpuNanos(process.toHandle());
  }

  /** SIGTERM (fast shutdown), then SIGKILL after 5 s; removes the temp dir. */
  @Override
  public void close() {
    if (!process.isAlive() && !Files.exists(dir)) return;
    List<ProcessHandle> workers = process.toHandle().descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    workers.forEach(ProcessHandle::destroyForcibly);
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // temp dir; best effort
    }
  }
}
