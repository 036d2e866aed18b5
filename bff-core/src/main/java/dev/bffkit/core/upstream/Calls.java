package dev.bffkit.core.upstream;

import dev.bffkit.core.observe.Outcome;
import dev.bffkit.core.observe.UpstreamCall;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.StreamResetException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/** Shared judgements about a call's outcome: what fails a breaker, what may be retried, messages. */
final class Calls {
  /**
   * The header that carries a call's remaining budget in milliseconds (relative, so clocks need
   * not agree): an upstream may give up when it cannot answer in time. gRPC upstreams get
   * {@code grpc-timeout} instead.
   */
  static final CharSequence DEADLINE_HEADER = HttpHeaders.createOptimized("x-request-timeout-ms");
  static final CharSequence GRPC_TIMEOUT = HttpHeaders.createOptimized("grpc-timeout");
  static final CharSequence X_REQUEST_ID = HttpHeaders.createOptimized("x-request-id");

  private Calls() {}

  /** For client requests whose failures are read from their response future. */
  static final Handler<Throwable> IGNORE = e -> { };

  /** A final 5xx answer carried through the breaker as a failure, unwrapped after it. */
  static final class ServerError extends RuntimeException {
    final UpstreamResponse response;

    ServerError(UpstreamResponse response) {
      super("status " + response.status(), null, false, false);
      this.response = response;
    }
  }

  static boolean countsForBreaker(Throwable t) {
    if (t instanceof ServerError) return true;
    if (t instanceof UpstreamException u) {
      return switch (u.kind()) {
        case CONNECT, TIMEOUT, RESET, UNAVAILABLE -> true;
        default -> false;
      };
    }
    return !(t instanceof OpenCircuitException);
  }

  static UpstreamException timeout(String service) {
    return new UpstreamException(service, UpstreamException.Kind.TIMEOUT, service + " did not answer before the deadline");
  }

  /** The timeout of a call whose end the client chose, or the gateway's. */
  static UpstreamException timeout(String service, boolean clientDeadline) {
    return clientDeadline ? clientDeadline(service) : timeout(service);
  }

  /** How early a service may act on the deadline we sent it: timers on two loops never fire together. */
  private static final long DEADLINE_SLACK_NANOS = 1_000_000L;

  /** The deadline ending at {@code endNanos} (System.nanoTime) is up, or within the slack of it. */
  static boolean late(long endNanos) {
    return System.nanoTime() - endNanos >= -DEADLINE_SLACK_NANOS;
  }

  static UpstreamException clientDeadline(String service) {
    return UpstreamException.clientDeadline(service);
  }

  static UpstreamException clientCancelled(String service) {
    return UpstreamException.clientCancelled(service);
  }

  /** A client's own fault (it left, or its own deadline ran out): no service is blamed for it. */
  static boolean clientFault(Throwable t) {
    return t instanceof UpstreamException u && u.clientFault();
  }

  static UpstreamException breakerOpen(String service) {
    return new UpstreamException(service, UpstreamException.Kind.BREAKER_OPEN, service + " unavailable, breaker open");
  }

  static UpstreamException cancelled(String service) {
    return new UpstreamException(service, UpstreamException.Kind.CANCELLED, service + " call cancelled");
  }

  /** Maps transport failures to messages fit for a client's {@code errors} entry. */
  static UpstreamException translate(String service, Throwable err) {
    if (err instanceof UpstreamException ue) return ue;
    // A request we reset carries why: a timeout, or the client having left
    if (err instanceof StreamResetException && err.getCause() instanceof UpstreamException ue) return ue;
    if (err instanceof OpenCircuitException) return breakerOpen(service);
    if (err instanceof TimeoutException || err.getCause() instanceof TimeoutException) return timeout(service);
    if (err instanceof StreamResetException sre && sre.getCause() instanceof TimeoutException) return timeout(service);
    if (tlsFailure(err)) {
      return new UpstreamException(service, UpstreamException.Kind.CONNECT, service + " is unreachable: TLS handshake failed");
    }
    if (err instanceof ConnectException || err.getClass().getSimpleName().contains("Connect")) {
      return new UpstreamException(service, UpstreamException.Kind.CONNECT, service + " is unreachable");
    }
    return new UpstreamException(service, UpstreamException.Kind.RESET, service + " closed the connection");
  }

  /** A handshake refused either way (untrusted certificate, missing client certificate). */
  private static boolean tlsFailure(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException) return true;
    }
    return false;
  }

  /** How a failed call ended, as metrics and logs name it. */
  static Outcome outcome(Throwable err) {
    if (err instanceof ServerError) return Outcome.SERVER_ERROR;
    UpstreamException u = err instanceof UpstreamException ue ? ue : null;
    if (u == null) return Outcome.OTHER;
    return switch (u.kind()) {
      case CONNECT -> Outcome.CONNECT;
      case TIMEOUT -> Outcome.TIMEOUT;
      case RESET -> Outcome.RESET;
      case UNAVAILABLE -> Outcome.UNAVAILABLE;
      case BREAKER_OPEN -> Outcome.BREAKER_OPEN;
      case OVERLOADED -> Outcome.OVERLOADED;
      case UNKNOWN_SERVICE -> Outcome.UNKNOWN_SERVICE;
      case CLIENT_CANCELLED -> Outcome.CLIENT_CANCELLED;
      case CLIENT_DEADLINE -> Outcome.CLIENT_DEADLINE;
      case CANCELLED -> Outcome.OTHER;
    };
  }

  /** Ends {@code call} with an HTTP answer's status. */
  static void answered(UpstreamCall call, int status) {
    call.end(status >= 500 ? Outcome.SERVER_ERROR : Outcome.OK, status);
  }

  /** {@code grpc-timeout} value: at most 8 digits, in milliseconds. */
  static String grpcTimeout(long ms) {
    return ms < 100_000_000L ? ms + "m" : Math.min(ms / 1000, 99_999_999L) + "S";
  }
}
