package dev.bffkit.loadtests.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo's redis-server, real: started on loopback ports, probed with RESP over a plain socket. */
class DemoRedisTest {
  private static final String PATH = System.getenv("PATH");

  private static void assumeBinary() {
    assumeTrue(DemoRedis.find(PATH, DemoRedis.KNOWN_BINARIES) != null,
        "redis-server not installed (apt-get install redis-server); .ci/run installs it");
  }

  private static Map<String, String> env(int port) {
    return Map.of("PATH", PATH, "REDIS_PORT", Integer.toString(port));
  }

  @Test
  void startsOnTheFreePortAnswersPingWritesNothingAndCloseStopsIt() throws Exception {
    assumeBinary();
    int port = freePort();
    DemoRedis redis = DemoRedis.start(env(port)::get);
    Path dir = redis.dir();
    try {
      assertEquals(DemoRedis.Source.STARTED, redis.source(), redis.toString());
      assertTrue(redis.available());
      assertEquals("redis://127.0.0.1:" + port, redis.url());
      assertNull(redis.notice());
      assertTrue(redis.pid() > 0);
      assertEquals("+PONG\r\n", command(port, "PING", 7));
      // Loopback only, no RDB snapshots, no AOF, protected mode, a temp working dir.
      assertEquals("*2\r\n$4\r\nbind\r\n$9\r\n127.0.0.1\r\n", command(port, "CONFIG GET bind", 29));
      assertEquals("*2\r\n$4\r\nsave\r\n$0\r\n\r\n", command(port, "CONFIG GET save", 20));
      assertEquals("*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n", command(port, "CONFIG GET appendonly", 29));
      assertEquals("*2\r\n$14\r\nprotected-mode\r\n$3\r\nyes\r\n", command(port, "CONFIG GET protected-mode", 34));
      assertTrue(Files.isDirectory(dir), "temp dir " + dir);
    } finally {
      redis.close();
    }
    assertFalse(ProcessHandle.of(redis.pid()).map(ProcessHandle::isAlive).orElse(false), "process still alive");
    assertThrows(ConnectException.class, () -> command(port, "PING", 7), "port still accepts");
    assertFalse(Files.exists(dir), "temp dir left: " + dir);
    redis.close(); // idempotent
  }

  @Test
  void aSecondDemoReusesTheRedisOnItsPortAndDoesNotStopIt() throws Exception {
    assumeBinary();
    int port = freePort();
    try (DemoRedis first = DemoRedis.start(env(port)::get)) {
      assertEquals(DemoRedis.Source.STARTED, first.source(), first.toString());
      DemoRedis second = DemoRedis.start(env(port)::get);
      assertEquals(DemoRedis.Source.REUSED, second.source(), second.toString());
      assertEquals(first.url(), second.url());
      assertEquals(-1, second.pid());
      second.close();
      assertEquals("+PONG\r\n", command(port, "PING", 7), "closing the reusing handle stopped the owner's server");
    }
  }

  @Test
  void aPortHeldByAnotherProgramMovesToAnEphemeralPort() throws Exception {
    assumeBinary();
    try (ServerSocket other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread answer = new Thread(() -> {
        while (!other.isClosed()) {
          try (Socket s = other.accept()) {
            s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          } catch (IOException closed) {
            return;
          }
        }
      }, "not-redis");
      answer.setDaemon(true);
      answer.start();
      try (DemoRedis redis = DemoRedis.start(env(other.getLocalPort())::get)) {
        assertEquals(DemoRedis.Source.STARTED, redis.source(), redis.toString());
        int port = Integer.parseInt(redis.url().substring(redis.url().lastIndexOf(':') + 1));
        assertNotEquals(other.getLocalPort(), port);
        assertTrue(redis.detail().contains("ephemeral"), redis.detail());
        assertEquals("+PONG\r\n", command(port, "PING", 7));
      }
    }
  }

  @Test
  void theUsersRedisUrlWinsAndNothingStarts() {
    DemoRedis redis = DemoRedis.start(Map.of("PATH", PATH, "BFF_REDIS_URL", " redis://redis.example:6380/2 ")::get);
    assertEquals(DemoRedis.Source.USER, redis.source());
    assertEquals("redis://redis.example:6380/2", redis.url());
    assertEquals(-1, redis.pid());
    redis.close();
  }

  @Test
  void noBinaryMeansAbsentWithTheLineTheDemoPrints() {
    DemoRedis redis = DemoRedis.start(Map.of("PATH", "/nonexistent-bin")::get, List.of(Path.of("/nonexistent/redis-server")));
    assertEquals(DemoRedis.Source.ABSENT, redis.source());
    assertFalse(redis.available());
    assertNull(redis.url());
    assertEquals("bff-demo: redis-server not found (apt-get install redis-server); rate limits use each BFF's local limiter",
        redis.notice());
  }

  @Test
  void badRedisPortIsRefused() {
    for (String bad : new String[] {"x", "0", "65536", "-1"}) {
      assertThrows(IllegalArgumentException.class, () -> DemoRedis.start(Map.of("REDIS_PORT", bad)::get), bad);
    }
  }

  /** Sends an inline RESP command and reads exactly {@code replyLength} bytes of the reply. */
  private static String command(int port, String command, int replyLength) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
      s.setSoTimeout(2_000);
      OutputStream out = s.getOutputStream();
      out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readNBytes(replyLength), StandardCharsets.US_ASCII);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
