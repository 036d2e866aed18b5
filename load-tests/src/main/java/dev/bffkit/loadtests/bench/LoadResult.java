package dev.bffkit.loadtests.bench;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one measurement gave. Latencies are in microseconds; in the open model they run from the
 * request's intended send time (so queueing in the client counts, no coordinated omission).
 *
 * @param requests requests whose intended (open) or actual (closed) send time fell in the
 *     measured window and that completed (successfully or not)
 * @param errors non-2xx answers, connection errors, timeouts and requests still unanswered after
 *     the drain timeout
 * @param skipped why the system could not be measured (null when it was)
 */
public record LoadResult(
    String system,
    boolean open,
    int connections,
    double targetRate,
    long requests,
    long errors,
    double seconds,
    double achievedRate,
    long p50,
    long p90,
    long p99,
    long p999,
    long max,
    Histogram histogram,
    String skipped,
    /** What the errors were: "HTTP 502", "VertxException", "unanswered" ... → count; empty without errors. */
    Map<String, Long> errorKinds) {

  public LoadResult {
    errorKinds = errorKinds == null ? Map.of() : Map.copyOf(errorKinds);
  }

  public LoadResult(String system, boolean open, int connections, double targetRate, long requests, long errors,
      double seconds, double achievedRate, long p50, long p90, long p99, long p999, long max, Histogram histogram,
      String skipped) {
    this(system, open, connections, targetRate, requests, errors, seconds, achievedRate, p50, p90, p99, p999, max,
        histogram, skipped, null);
  }

  static LoadResult of(LoadSpec spec, long requests, long errors, double seconds, Histogram h) {
    return of(spec, requests, errors, seconds, h, null);
  }

  static LoadResult of(LoadSpec spec, long requests, long errors, double seconds, Histogram h, Map<String, Long> kinds) {
    long ok = h.getTotalCount();
    return new LoadResult(spec.system(), spec.isOpen(), spec.connections(), spec.rate(), requests, errors, seconds,
        seconds > 0 ? requests / seconds : 0,
        ok == 0 ? 0 : h.getValueAtPercentile(50), ok == 0 ? 0 : h.getValueAtPercentile(90),
        ok == 0 ? 0 : h.getValueAtPercentile(99), ok == 0 ? 0 : h.getValueAtPercentile(99.9),
        ok == 0 ? 0 : h.getMaxValue(), h, null, kinds);
  }

  /** A row for a system that could not be measured, with the reason. */
  public static LoadResult skipped(String system, String why) {
    return new LoadResult(system, false, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, LoadDriver.newHistogram(), why);
  }

  public boolean isSkipped() {
    return skipped != null;
  }

  public double errorRatio() {
    return requests == 0 ? 0 : (double) errors / requests;
  }

  @Override
  public String toString() {
    if (skipped != null) return system + ": skipped (" + skipped + ")";
    return String.format("%s: %d req, %d err, %.0f req/s, p50 %d µs, p99 %d µs, p99.9 %d µs, max %d µs",
        system, requests, errors, achievedRate, p50, p99, p999, max);
  }
}
