package dev.bffkit.core.ratelimit.billing;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how the billing webhook is called.
 *
 * @param url the receiver, {@code http} or {@code https}
 * @param secret the HMAC-SHA256 key of {@code BFF-Signature}; never logged (not even by {@link #toString()})
 * @param timeout the most one attempt may take, connect to last byte of the answer
 * @param maxAttempts attempts per event, the first included, before it is given up
 * @param initialBackoff the ceiling of the first retry's delay; it doubles per retry (full jitter below it)
 * @param maxBackoff the longest wait before a retry, a receiver's {@code Retry-After} included
 * @param queueCapacity events held at once (queued, in flight or waiting for a retry); beyond them offers are dropped
 */
public record BillingWebhookOptions(URI url, String secret, Duration timeout, int maxAttempts, Duration initialBackoff,
    Duration maxBackoff, int queueCapacity) {

  public BillingWebhookOptions {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    String scheme = url.getScheme();
    if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || url.getHost() == null) {
      throw new IllegalArgumentException("billing webhook url must be http(s)://host..., got " + url);
    }
    if (secret.isEmpty()) throw new IllegalArgumentException("billing webhook secret must not be empty");
    positive("timeout", timeout);
    positive("initialBackoff", initialBackoff);
    positive("maxBackoff", maxBackoff);
    if (maxAttempts <= 0) throw new IllegalArgumentException("maxAttempts must be > 0, got " + maxAttempts);
    if (queueCapacity <= 0) throw new IllegalArgumentException("queueCapacity must be > 0, got " + queueCapacity);
  }

  /** The suggested settings: 5 s per attempt, 6 attempts, backoff from 500 ms up to 30 s, 1000 events held. */
  public static BillingWebhookOptions defaults(URI url, String secret) {
    return new BillingWebhookOptions(url, secret, Duration.ofSeconds(5), 6, Duration.ofMillis(500),
        Duration.ofSeconds(30), 1000);
  }

  @Override
  public String toString() {
    return "BillingWebhookOptions[url=" + redacted(url) + ", secret=***, timeout=" + timeout + ", maxAttempts=" + maxAttempts
        + ", initialBackoff=" + initialBackoff + ", maxBackoff=" + maxBackoff + ", queueCapacity=" + queueCapacity + "]";
  }

  /** The url without user info or query (either may carry a credential), for logs. */
  static String redacted(URI url) {
    int port = url.getPort();
    return url.getScheme() + "://" + url.getHost() + (port < 0 ? "" : ":" + port) + (url.getRawPath() == null ? "" : url.getRawPath());
  }

  private static void positive(String name, Duration d) {
    if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be > 0, got " + d);
  }
}
