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
    CANCELLED,
    /** The client went away (closed its connection, reset its stream): its calls were cancelled. */
    CLIENT_CANCELLED,
    /** The deadline the client chose ran out (e.g. a gRPC-Web {@code grpc-timeout}). */
    CLIENT_DEADLINE
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

  public static UpstreamException clientCancelled(String service) {
    return new UpstreamException(service, Kind.CLIENT_CANCELLED, "the client went away; the call to " + service
        + " was cancelled");
  }

  public static UpstreamException clientDeadline(String service) {
    return new UpstreamException(service, Kind.CLIENT_DEADLINE, "the client's deadline ran out before " + service
        + " answered");
  }

  /** The client's own fault: never a service failure, never retried or hedged. */
  public boolean clientFault() {
    return kind == Kind.CLIENT_CANCELLED || kind == Kind.CLIENT_DEADLINE;
  }
}
