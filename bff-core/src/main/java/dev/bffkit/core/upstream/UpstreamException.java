package dev.bffkit.core.upstream;

/** A call to a service that produced no HTTP answer. The message is safe to show a client. */
public class UpstreamException extends RuntimeException {
  public enum Kind {
    UNKNOWN_SERVICE, CONNECT, TIMEOUT, RESET, UNAVAILABLE,
    /** The service's circuit breaker is open: failed at once, nothing sent. */
    BREAKER_OPEN,
    /** The service's bulkhead is full: failed at once, nothing sent. */
    OVERLOADED,
    /** A hedged or superseded try that was cancelled (never seen by callers). */
    CANCELLED
  }

  private final String service;
  private final Kind kind;

  public UpstreamException(String service, Kind kind, String message) {
    super(message, null, false, false);
    this.service = service;
    this.kind = kind;
  }

  public String service() { return service; }

  public Kind kind() { return kind; }
}
