package dev.bffkit.core.ratelimit;

/**
 * The rate-limit decision for one request, ready for the answer: whether it goes on, the status when not (429, or
 * 503 when the shared limiter is down and configured fail-closed), {@code Retry-After}, and the
 * draft-ietf-httpapi-ratelimit-headers fields ({@code RateLimit-Policy}: every limit that applied;
 * {@code RateLimit}: the one closest to refusing, with what remains and when it resets).
 */
public record Verdict(RateLimiting.Result result, long retryAfterSeconds, String policy, String rateLimit) {

  public boolean allowed() {
    return result.allowed;
  }
}
