package dev.bffkit.core.ratelimit.redis;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server on a loopback port for one test class: no persistence, stopped after. Tests skip (JUnit
 * assumption) where the binary is missing; {@code .ci/run} installs it from Debian.
 */
public final class RedisServer implements AutoCloseable {

  public static final Path BINARY = Path.of("/usr/bin/redis-server");

  public final int port;
  private Process process;

  private RedisServer(int port) {
    this.port = port;
  }

  public static RedisServer start() throws Exception {
    assumeTrue(Files.isExecutable(BINARY), "redis-server not installed (apt-get install redis-server)");
    RedisServer s = new RedisServer(freePort());
    s.startProcess();
    return s;
  }

  public String url() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  public long pid() {
    return process.pid();
  }

  /** SIGKILL: the connections drop at once, as when the host dies with a RST. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** A new redis-server on the same port (empty: no data, no script cache). */
  public void restart() throws Exception {
    if (process.isAlive()) kill();
    startProcess();
  }

  /** SIGSTOP / SIGCONT: Redis keeps its connections but answers nothing (a hung or overloaded Redis). */
  public void pause() throws Exception {
    signal("-STOP");
  }

  public void resume() throws Exception {
    signal("-CONT");
  }

  @Override
  public void close() throws Exception {
    if (process != null && process.isAlive()) {
      signal("-CONT");
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) kill();
    }
  }

  private void signal(String sig) throws Exception {
    new ProcessBuilder("kill", sig, Long.toString(process.pid())).inheritIO().start().waitFor(5, TimeUnit.SECONDS);
  }

  private void startProcess() throws Exception {
    process = new ProcessBuilder(BINARY.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--protected-mode", "no", "--loglevel", "warning")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        if (!process.isAlive()) throw new IllegalStateException("redis-server exited: " + process.exitValue());
        Thread.sleep(20);
      }
    }
    throw new IllegalStateException("redis-server did not listen on " + port);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
