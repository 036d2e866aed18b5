package dev.bffkit.core.ratelimit;

import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Failures;
import dev.bffkit.core.pipeline.Stage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * Rate limits and quotas, after authentication (the caller's tier and key come from its verified principal) and
 * before any upstream work. The route's policy holds its limits per tier ({@link RouteLimits}); a route without
 * limits costs one field read. An allowed answer carries the {@code RateLimit-Policy} and {@code RateLimit} fields
 * (draft-ietf-httpapi-ratelimit-headers), a refusal is 429 (RFC 6585 §4) with {@code Retry-After} (RFC 9110
 * §10.2.3) and the same fields, or 503 with {@code Retry-After} while a fail-closed shared limiter is down.
 */
public final class RateLimitStage implements Stage {
  private static final CharSequence RATELIMIT = HttpHeaders.createOptimized("ratelimit");
  private static final CharSequence RATELIMIT_POLICY = HttpHeaders.createOptimized("ratelimit-policy");

  private final RateLimiting limiting;

  public RateLimitStage(RateLimiting limiting) {
    this.limiting = limiting;
  }

  @Override
  public void handle(Exchange ex, Next next) {
    RouteLimits limits = ex.route().policy().rateLimits();
    if (limits.isEmpty()) {
      next.proceed(ex);
      return;
    }
    int tier = limiting.tiers().of(ex.principal());
    LimitPlan plan = limits.plan(tier);
    if (plan == null) {
      next.proceed(ex);
      return;
    }
    Future<Verdict> decided = limiting.decide(plan, tier, ex.principal(), ex.request());
    if (decided.isComplete()) {
      done(ex, next, decided.result(), decided.cause());
      return;
    }
    // Redis is asked (at most its timeout): the body waits; the endpoint after us resumes it.
    ex.request().pause();
    Context here = Vertx.currentContext();
    decided.onComplete(ar -> {
      if (here == null || Vertx.currentContext() == here) done(ex, next, ar.result(), ar.cause());
      else here.runOnContext(v -> done(ex, next, ar.result(), ar.cause()));
    });
  }

  private void done(Exchange ex, Next next, Verdict v, Throwable failure) {
    if (ex.answered() || ex.response().closed()) return; // the client left meanwhile
    if (failure != null) {
      Failures.internal(ex, "RateLimitStage", failure);
      return;
    }
    apply(ex, next, v);
  }

  private void apply(Exchange ex, Next next, Verdict v) {
    HttpServerResponse response = ex.response();
    if (v.policy() != null) response.putHeader(RATELIMIT_POLICY, v.policy());
    if (v.rateLimit() != null) response.putHeader(RATELIMIT, v.rateLimit());
    if (v.allowed()) {
      next.proceed(ex);
      return;
    }
    response.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(v.retryAfterSeconds()));
    switch (v.result()) {
      case OVER_QUOTA -> ex.fail(429, "quota_exceeded", "the quota of this period is used up; it renews in "
          + v.retryAfterSeconds() + " s");
      case UNAVAILABLE_CLOSED -> ex.fail(503, "rate_limiter_unavailable", "the rate limiter is unavailable; retry shortly");
      default -> ex.fail(429, "rate_limited", "too many requests; retry in " + v.retryAfterSeconds() + " s");
    }
    ex.request().resume(); // let an unread body drain
  }
}
