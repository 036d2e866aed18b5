package dev.bffkit.core.server;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Client threads that GET their paths in a loop until stopped, counting 200s and collecting every
 * other answer or exception: the "real requests in a loop" a reload must not disturb.
 */
final class SteadyLoad {
  /** One GET, as the test sends it. */
  interface Get {
    HttpResponse<String> send(String path) throws Exception;
  }

  final AtomicInteger ok = new AtomicInteger();
  /** "path status body" or "path exception" → count. */
  final Map<String, Integer> failures = new ConcurrentHashMap<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread[] clients;

  /** Starts one thread per path (paths repeat to run several on one). */
  SteadyLoad(Get get, String... paths) {
    clients = new Thread[paths.length];
    for (int c = 0; c < paths.length; c++) {
      String path = paths[c];
      clients[c] = new Thread(() -> {
        while (running.get()) {
          try {
            HttpResponse<String> r = get.send(path);
            if (r.statusCode() == 200) ok.incrementAndGet();
            else failures.merge(path + " " + r.statusCode() + " " + r.body(), 1, Integer::sum);
          } catch (Exception e) {
            failures.merge(path + " " + e, 1, Integer::sum);
          }
        }
      });
      clients[c].start();
    }
  }

  /** Stops the threads and waits for their last requests. */
  void stop() throws InterruptedException {
    running.set(false);
    for (Thread t : clients) t.join(10_000);
  }
}
