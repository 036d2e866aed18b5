package dev.bffkit.core.observe.slo;

import java.time.Duration;

/**
 * The look-back windows of the burn-rate alerts (Google SRE workbook, "Alerting on SLOs"): the
 * pages' 5m/1h and 30m/6h pairs and the tickets' 2h/1d and 6h/3d. Windows up to 6 h are read
 * from the 10-second ring, longer ones from the coarse ring that also covers the SLO's window.
 */
public enum SloWindow {
  M5("5m", Duration.ofMinutes(5)),
  M30("30m", Duration.ofMinutes(30)),
  H1("1h", Duration.ofHours(1)),
  H2("2h", Duration.ofHours(2)),
  H6("6h", Duration.ofHours(6)),
  D1("1d", Duration.ofDays(1)),
  D3("3d", Duration.ofDays(3));

  /** The longest window the fine ring must hold. */
  static final Duration FINE_SPAN = Duration.ofHours(6);

  private final String label;
  private final Duration length;

  SloWindow(String label, Duration length) {
    this.label = label;
    this.length = length;
  }

  /** Metric label and PromQL range, e.g. {@code 5m}. */
  public String label() { return label; }

  public Duration length() { return length; }

  boolean fine() { return length.compareTo(FINE_SPAN) <= 0; }
}
