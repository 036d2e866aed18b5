package dev.bffkit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM under load, as an orchestrator sends it: the launcher drains (readiness false, no new connections,
 * in-flight requests finish within the grace) and exits. Every request the BFF had started on (it reached the
 * service) gets its answer; none gets a 5xx or a reset.
 */
class SigtermDrainTest {
  @TempDir Path dir;

  @Test
  void sigtermUnderLoadAnswersEveryStartedRequestThenExits() throws Exception {
    Vertx vertx = Vertx.vertx();
    AtomicInteger reached = new AtomicInteger();
    HttpServer upstream = vertx.createHttpServer().requestHandler(req -> {
      reached.incrementAndGet();
      vertx.setTimer(150, t -> req.response().end("ok")); // long enough to be in flight at SIGTERM
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.writeString(dir.resolve("bff.yaml"), """
        server: { host: 127.0.0.1, port: %d, shutdownGrace: 5s }
        services: { posts: { endpoints: "http://127.0.0.1:%d", timeout: 2s } }
        routes: [ { prefix: /api/posts, service: posts } ]
        """.formatted(port, upstream.actualPort()));
    Files.writeString(dir.resolve("schema.graphqls"), "type Query { ping: String }\n");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "dev.bffkit.core.Bff", "--config", dir.toString())
        .redirectErrorStream(true).start();
    StringBuilder log = new StringBuilder();
    CountDownLatch ready = new CountDownLatch(1);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (log) {
            log.append(line).append('\n');
          }
          if (line.contains("event=ready")) ready.countDown();
        }
      } catch (IOException ignored) {
        // the process ended
      }
    });
    reader.start();
    try {
      assertTrue(ready.await(30, TimeUnit.SECONDS), "the BFF starts: " + log);
      AtomicBoolean go = new AtomicBoolean(true);
      AtomicInteger ok = new AtomicInteger();
      AtomicInteger bad = new AtomicInteger();
      List<String> bads = new ArrayList<>();
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < 8; c++) {
        Thread t = new Thread(() -> {
          while (go.get()) {
            String status = request(port);
            if (status == null) continue; // not accepted: refused or closed before a byte was read (never started)
            if (status.startsWith("HTTP/1.1 200")) {
              ok.incrementAndGet();
            } else {
              bad.incrementAndGet();
              synchronized (bads) {
                bads.add(status);
              }
            }
          }
        });
        clients.add(t);
        t.start();
      }
      Thread.sleep(2000);
      // SIGTERM by kill, as an orchestrator sends it (Process.destroy() would also close our end of its pipes).
      new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor(5, TimeUnit.SECONDS);
      assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the BFF exits within its grace: " + log);
      go.set(false);
      for (Thread t : clients) t.join(10_000);
      reader.join(5_000);
      System.out.println("sigterm drain: " + ok.get() + " answered 200, " + reached.get() + " reached the service");
      // 143 = 128 + SIGTERM: the JVM's status after its shutdown hooks ran (the drain); what orchestrators expect.
      assertTrue(p.exitValue() == 143 || p.exitValue() == 0, "exit " + p.exitValue() + ": " + log);
      assertEquals(0, bad.get(), "no started request got an error: " + bads);
      assertEquals(reached.get(), ok.get(), "every request that reached the service was answered");
      assertTrue(ok.get() > 20, "the load ran: " + ok.get());
      assertTrue(log.toString().contains("event=stopped"), log.toString());
    } finally {
      p.destroyForcibly();
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** One request on its own connection ({@code Connection: close}); its status line, or null when never answered. */
  private static String request(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("GET /api/posts/p1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
      return line == null || line.isEmpty() ? null : line;
    } catch (IOException notAccepted) {
      return null;
    }
  }
}
