package dev.bffkit.loadtests.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A BFF's rate-limit decisions by result ({@code bff_ratelimit_decisions_total{result}}, summed over tiers) and
 * whether its Redis is up ({@code bff_ratelimit_redis_up}), read from its admin {@code /metrics}. The harness
 * compares two readings to prove the "rate limits on" rows were decided by Redis and refused nothing: a 429 is
 * cheaper than a screen, and a fail-open decision is the local limiter's, not Redis's.
 */
record DecisionCounts(Map<String, Long> byResult, boolean redisUp) {
  static final String DECISIONS = "bff_ratelimit_decisions_total{";
  static final String REDIS_UP = "bff_ratelimit_redis_up";

  /** GET /metrics on {@code adminPort} (blocking; harness threads only). */
  static DecisionCounts scrape(int adminPort) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) throw new IOException("GET /metrics on port " + adminPort + " answered " + r.statusCode());
    return parse(r.body());
  }

  /** The Prometheus text format's lines of the two meters; other lines are ignored. */
  static DecisionCounts parse(String metrics) {
    Map<String, Long> byResult = new TreeMap<>();
    boolean up = false;
    for (String line : metrics.split("\n")) {
      if (line.startsWith(DECISIONS)) {
        int at = line.indexOf("result=\"");
        int end = at < 0 ? -1 : line.indexOf('"', at + 8);
        if (end < 0) continue;
        byResult.merge(line.substring(at + 8, end), (long) value(line), Long::sum);
      } else if (line.startsWith(REDIS_UP + " ") || line.startsWith(REDIS_UP + "{")) {
        up = value(line) == 1;
      }
    }
    return new DecisionCounts(byResult, up);
  }

  private static double value(String line) {
    String v = line.substring(line.lastIndexOf(' ') + 1).trim();
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  long get(String result) {
    return byResult.getOrDefault(result, 0L);
  }

  long total() {
    return byResult.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The decisions made between {@code before} and this reading. */
  DecisionCounts minus(DecisionCounts before) {
    Map<String, Long> d = new TreeMap<>();
    for (Map.Entry<String, Long> e : byResult.entrySet()) d.put(e.getKey(), e.getValue() - before.get(e.getKey()));
    return new DecisionCounts(d, redisUp);
  }

  /** Every decision allowed by Redis: none limited, over quota, or left to the local limiter (Redis unavailable). */
  boolean allAllowedByRedis() {
    return get("allowed") > 0 && get("allowed") + get("billed") == total();
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%,d decisions:", total()));
    for (String r : new String[] {"allowed", "limited", "over_quota", "unavailable_open", "unavailable_closed"}) {
      b.append(String.format(Locale.ROOT, " %s %,d,", r, get(r)));
    }
    return b.append(" redis up ").append(redisUp ? "yes" : "NO").toString();
  }
}
