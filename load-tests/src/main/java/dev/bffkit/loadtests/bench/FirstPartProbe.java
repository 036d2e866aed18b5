package dev.bffkit.loadtests.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Time to the first part and to the whole answer of an incremental (multipart/mixed; deferSpec=20220824) answer, as
 * a client reads it: the first part is complete when the second boundary arrives ({@code \r\n--graphql}), the answer
 * when the closing one ({@code --graphql--}) does. The load driver measures whole answers only, so this probe reads the
 * stream itself: a bounded number of requests from a few threads (loopback only), latencies in microseconds.
 */
final class FirstPartProbe {
  /** What Apollo Client sends for an operation with @defer. */
  static final String MULTIPART = "multipart/mixed;deferSpec=20220824,application/json";
  static final String JSON = "application/json";
  private static final byte[] BOUNDARY = "\r\n--graphql".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CLOSE = "\r\n--graphql--".getBytes(StandardCharsets.US_ASCII);

  /** Percentiles of both times, in µs, and how many answers were not multipart or failed. */
  record Result(int answers, int errors, long firstP50, long firstP99, long wholeP50, long wholeP99, int parts) {}

  private FirstPartProbe() {}

  /**
   * {@code requests} GETs of {@code path} from {@code threads} threads, each with {@code accept}; a JSON answer (or a
   * multipart one of a single part) counts its first part at its end.
   */
  static Result run(int port, String path, String accept, Map<String, String> headers, int requests, int threads)
      throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    long[] first = new long[requests];
    long[] whole = new long[requests];
    AtomicLong next = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong parts = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          for (int i = (int) next.getAndIncrement(); i < requests; i = (int) next.getAndIncrement()) {
            try {
              long[] times = once(http, port, path, accept, headers);
              first[i] = times[0];
              whole[i] = times[1];
              parts.set(times[2]);
            } catch (IOException | RuntimeException e) {
              errors.incrementAndGet();
              first[i] = -1;
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            }
          }
        }));
      }
      for (Future<?> f : done) f.get();
    } finally {
      pool.shutdownNow();
    }
    long[] f = Arrays.stream(first).filter(x -> x >= 0).sorted().toArray();
    long[] w = Arrays.stream(whole).filter(x -> x >= 0).sorted().toArray();
    return new Result(f.length, (int) errors.get(), pct(f, 0.5), pct(f, 0.99), pct(w, 0.5), pct(w, 0.99),
        (int) parts.get());
  }

  /** {first part µs, whole answer µs, parts}; throws when the answer is not a 200. */
  private static long[] once(HttpClient http, int port, String path, String accept, Map<String, String> headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).header("accept", accept);
    headers.forEach(b::header);
    long t0 = System.nanoTime();
    HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      String type = r.headers().firstValue("content-type").orElse("");
      if (r.statusCode() != 200) throw new IOException(path + ": " + r.statusCode() + " " + type);
      if (!type.startsWith("multipart/mixed")) {
        in.readAllBytes();
        long end = (System.nanoTime() - t0) / 1000;
        return new long[] {end, end, 1};
      }
      long firstAt = -1;
      int boundaries = 0;
      int matchB = 0;
      int matchC = 0;
      byte[] buf = new byte[8192];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        for (int i = 0; i < n; i++) {
          byte c = buf[i];
          matchB = c == BOUNDARY[matchB] ? matchB + 1 : (c == BOUNDARY[0] ? 1 : 0);
          matchC = c == CLOSE[matchC] ? matchC + 1 : (c == CLOSE[0] ? 1 : 0);
          if (matchB == BOUNDARY.length) {
            matchB = 0;
            if (++boundaries == 2 && firstAt < 0) firstAt = System.nanoTime();
          }
          if (matchC == CLOSE.length) {
            long end = System.nanoTime();
            long firstPart = firstAt < 0 ? end : firstAt; // the closing boundary counts as one: a lone part ends there
            return new long[] {(firstPart - t0) / 1000, (end - t0) / 1000, boundaries - 1};
          }
        }
      }
      throw new IOException(path + ": the answer ended without its closing boundary");
    }
  }

  private static long pct(long[] sorted, double q) {
    if (sorted.length == 0) return -1;
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }
}
