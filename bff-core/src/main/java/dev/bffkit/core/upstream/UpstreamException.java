package dev.bffkit.core.upstream;

/** A call to a service that produced no HTTP answer. The message is safe to show a client. */
public class UpstreamException extends RuntimeException {
  public enum Kind { UNKNOWN_SERVICE, CONNECT, TIMEOUT, RESET, UNAVAILABLE }

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
