package dev.bffkit.core.observe.slo;

import java.time.Duration;

/**
 * The multi-window, multi-burn-rate alerts of the Google SRE workbook ("Alerting on SLOs",
 * approach 6): an alert fires when the burn rate over both a long and a short window exceeds its
 * factor, and has done so for {@code hold} (Prometheus's {@code for:}). The long window makes it
 * significant, the short one makes it stop soon after the burn stops. A factor f spends a
 * 30-day budget in 30/f days: 14.4 spends 2 % of it in 1 h, 6 spends 5 % in 6 h.
 *
 * <p>The pages are the issue's; the two tickets (3 over 1d/2h, 1 over 3d/6h) are the workbook's
 * further pairs, added because they cost two more window reads.
 */
public enum BurnAlert {
  PAGE_FAST("page_fast", "page", SloWindow.H1, SloWindow.M5, 14.4, Duration.ofMinutes(2)),
  PAGE_SLOW("page_slow", "page", SloWindow.H6, SloWindow.M30, 6, Duration.ofMinutes(15)),
  /** Ticket, not a page (workbook's third pair). */
  TICKET_FAST("ticket_fast", "ticket", SloWindow.D1, SloWindow.H2, 3, Duration.ofHours(1)),
  /** Ticket, not a page (workbook's fourth pair). */
  TICKET_SLOW("ticket_slow", "ticket", SloWindow.D3, SloWindow.H6, 1, Duration.ofHours(3));

  private final String label;
  private final String severity;
  private final SloWindow longWindow;
  private final SloWindow shortWindow;
  private final double factor;
  private final Duration hold;

  BurnAlert(String label, String severity, SloWindow longWindow, SloWindow shortWindow, double factor, Duration hold) {
    this.label = label;
    this.severity = severity;
    this.longWindow = longWindow;
    this.shortWindow = shortWindow;
    this.factor = factor;
    this.hold = hold;
  }

  /** The {@code severity} label of {@code bff.slo.alert}, e.g. {@code page_fast}. */
  public String label() { return label; }

  /** {@code page} or {@code ticket}: the Prometheus alert's severity label. */
  public String severity() { return severity; }

  public SloWindow longWindow() { return longWindow; }

  public SloWindow shortWindow() { return shortWindow; }

  /** Burn-rate threshold: both windows must burn faster than this. */
  public double factor() { return factor; }

  /** How long the condition must hold before the alert fires. */
  public Duration hold() { return hold; }
}
