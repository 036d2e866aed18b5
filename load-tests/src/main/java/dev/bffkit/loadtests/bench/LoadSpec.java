package dev.bffkit.loadtests.bench;

import io.vertx.core.MultiMap;
import java.time.Duration;

/**
 * One measurement: where to send, how many keep-alive connections, and which model.
 *
 * @param rate requests per second for the open model; {@code 0} selects the closed model
 *     (every connection sends its next request as soon as the previous one answers)
 * @param headers extra request headers (e.g. Authorization), or null
 */
public record LoadSpec(
    String system,
    String host,
    int port,
    String path,
    MultiMap headers,
    int connections,
    double rate,
    Duration warmup,
    Duration duration,
    Duration timeout,
    Duration drain) {

  public LoadSpec {
    if (connections < 1) throw new IllegalArgumentException("connections must be >= 1");
    if (rate < 0) throw new IllegalArgumentException("rate must be >= 0");
    if (duration.isNegative() || duration.isZero()) throw new IllegalArgumentException("duration must be > 0");
  }

  /** Open model: constant arrival rate, latency measured from each request's intended send time. */
  public static LoadSpec open(String system, int port, String path, double rate, int connections,
      Duration warmup, Duration duration) {
    if (rate <= 0) throw new IllegalArgumentException("open model needs a rate > 0");
    return new LoadSpec(system, "127.0.0.1", port, path, null, connections, rate, warmup, duration,
        Duration.ofSeconds(5), Duration.ofSeconds(5));
  }

  /** Closed model: {@code connections} connections flat out. */
  public static LoadSpec closed(String system, int port, String path, int connections, Duration warmup, Duration duration) {
    return new LoadSpec(system, "127.0.0.1", port, path, null, connections, 0, warmup, duration,
        Duration.ofSeconds(5), Duration.ofSeconds(5));
  }

  public boolean isOpen() {
    return rate > 0;
  }

  public LoadSpec withHeaders(MultiMap h) {
    return new LoadSpec(system, host, port, path, h, connections, rate, warmup, duration, timeout, drain);
  }

  public LoadSpec withTimeout(Duration t) {
    return new LoadSpec(system, host, port, path, headers, connections, rate, warmup, duration, t, drain);
  }

  public LoadSpec withSystem(String s) {
    return new LoadSpec(s, host, port, path, headers, connections, rate, warmup, duration, timeout, drain);
  }
}
