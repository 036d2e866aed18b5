package dev.bffkit.core.ratelimit;

import dev.bffkit.core.config.RateLimitConfig;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;

/** One UTC calendar period of a quota: its label in keys and events ({@code 2026-11}, {@code 2026-11-27}) and its end. */
record BillingPeriod(String label, long startEpochSeconds, long endEpochSeconds) {

  static BillingPeriod at(RateLimitConfig.Period kind, long epochMillis) {
    LocalDate day = Instant.ofEpochMilli(epochMillis).atZone(ZoneOffset.UTC).toLocalDate();
    LocalDate start = kind == RateLimitConfig.Period.MONTH ? day.withDayOfMonth(1) : day;
    LocalDate end = kind == RateLimitConfig.Period.MONTH ? start.plusMonths(1) : start.plusDays(1);
    String label = kind == RateLimitConfig.Period.MONTH ? start.toString().substring(0, 7) : start.toString();
    return new BillingPeriod(label, start.toEpochSecond(LocalTime.MIDNIGHT, ZoneOffset.UTC),
        end.toEpochSecond(LocalTime.MIDNIGHT, ZoneOffset.UTC));
  }

  boolean contains(long epochMillis) {
    long s = epochMillis / 1000;
    return s >= startEpochSeconds && s < endEpochSeconds;
  }

  long lengthSeconds() {
    return endEpochSeconds - startEpochSeconds;
  }

  /** Seconds until the period ends, at least 1. */
  long secondsLeft(long epochMillis) {
    return Math.max(1, endEpochSeconds - Math.floorDiv(epochMillis, 1000));
  }
}
