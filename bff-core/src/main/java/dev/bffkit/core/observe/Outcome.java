package dev.bffkit.core.observe;

import java.util.Locale;

/** How one upstream call ended, as metrics, logs and spans name it. */
public enum Outcome {
  /** An answer that is not a server error (HTTP < 500, or a gRPC status that does not blame the service). */
  OK,
  /** HTTP 5xx, or a gRPC status that says the service is in trouble (UNAVAILABLE, INTERNAL, ...). */
  SERVER_ERROR,
  TIMEOUT, CONNECT, RESET, UNAVAILABLE, BREAKER_OPEN, OVERLOADED, UNKNOWN_SERVICE,
  /** The client left: its calls were cancelled (not the service's fault). */
  CLIENT_CANCELLED,
  /** The client's own deadline ran out (not the service's fault). */
  CLIENT_DEADLINE,
  /** Anything else (a hedged try cancelled, an unexpected exception). */
  OTHER;

  private final String label = name().toLowerCase(Locale.ROOT);

  /** The metric label value, e.g. {@code breaker_open}. */
  public String label() {
    return label;
  }

  /** Counted against the service (SLOs of services, error rates); client faults and OK are not. */
  public boolean serviceFault() {
    return this != OK && this != CLIENT_CANCELLED && this != CLIENT_DEADLINE;
  }
}
