package dev.bffkit.core.observe.slo;

/**
 * What an SLO promises about its route. Availability: answers that are not 5xx. Latency: answers
 * that end within the threshold, whatever their status (a slow 503 was slow as well as
 * unavailable; and Prometheus's latency histogram, which the generated rules read, has no status
 * label). A client that left before any answer (status class {@code gone}) counts for neither:
 * its own fault costs no service budget.
 */
public enum Objective {
  AVAILABILITY("availability"),
  LATENCY("latency");

  private final String label;

  Objective(String label) {
    this.label = label;
  }

  public String label() { return label; }
}
