package dev.bffkit.core.upstream;

/**
 * The share of its full load a new (or returning) endpoint should get: rises linearly from 10 %
 * to 100 % over the window, as Envoy's slow start with aggression 1.
 */
final class SlowStart {
  static final double MIN_FACTOR = 0.1;

  private SlowStart() {}

  static double factor(EndpointState e, long windowNanos, long now) {
    long age = now - e.warmSince;
    if (windowNanos <= 0 || age >= windowNanos) return 1.0;
    return Math.max(MIN_FACTOR, (double) age / windowNanos);
  }
}
