package dev.bffkit.core.traffic;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * One mirrored route's counters: {@code bff_mirror_total{route, outcome}}, registered at start-up, and
 * {@code bff_mirror_status_diff_total{route, primary_class, mirror_class}}, registered on the first difference of
 * each pair of classes (at most 5 × 5, so the set is bounded). Used on one event loop only; the registry returns the
 * same meter to every loop.
 */
final class MirrorMeters {
  private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

  final Counter sent;
  final Counter skippedBusy;
  final Counter skippedBody;
  final Counter failed;
  private final String route;
  private final MeterRegistry registry;
  private final Counter[][] diffs = new Counter[CLASSES.length][CLASSES.length];

  MirrorMeters(String route, MeterRegistry registry) {
    this.route = route;
    this.registry = registry;
    this.sent = outcome("sent");
    this.skippedBusy = outcome("skipped_busy");
    this.skippedBody = outcome("skipped_body");
    this.failed = outcome("failed");
  }

  private Counter outcome(String outcome) {
    return Counter.builder("bff_mirror_total")
        .description("Requests chosen for mirroring, by what became of their copy")
        .tags("route", route, "outcome", outcome).register(registry);
  }

  /** Counts the pair when the two statuses' classes differ. */
  void compare(int primary, int mirror) {
    int p = classIndex(primary);
    int m = classIndex(mirror);
    if (p == m) return;
    Counter c = diffs[p][m];
    if (c == null) {
      c = diffs[p][m] = Counter.builder("bff_mirror_status_diff_total")
          .description("Mirrored requests whose copy's status class differed from the client's answer")
          .tags("route", route, "primary_class", CLASSES[p], "mirror_class", CLASSES[m]).register(registry);
    }
    c.increment();
  }

  /** 1xx..5xx; anything outside 100..599 is taken as 5xx. */
  private static int classIndex(int status) {
    int c = status / 100;
    return c >= 1 && c <= 5 ? c - 1 : 4;
  }
}
