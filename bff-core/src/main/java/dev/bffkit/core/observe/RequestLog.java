package dev.bffkit.core.observe;

import dev.bffkit.core.observe.audit.BodyDigest;
import dev.bffkit.core.route.Route;
import io.opentelemetry.api.trace.Span;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.List;

/**
 * What one request did, filled in as it goes and read once when its answer ends (or the client
 * leaves): its route, status, sizes, the caller's subject, its trace context, whether a screen
 * answered in part, and one {@link UpstreamCall} per service call it made. Every observer (metrics,
 * access log, SLOs, audit, status page) reads this one record, like Armeria's RequestLog, so no
 * two of them measure the same thing differently. Lives on the request's event loop: no locks.
 */
public final class RequestLog {
  private static final UpstreamCall[] NONE = new UpstreamCall[0];

  private final String requestId;
  private final long startNanos;
  /** Wall-clock start, for the access log and the audit trail. */
  private final long startEpochMillis;
  private final String method;
  private final TraceContext trace;
  /** The server span; null unless the request is sampled and spans are recorded. */
  private final Span span;
  private Route route;
  private String subject;
  /** How the caller was admitted: "jwt", "apikey", "anonymous"; null when auth did not run. */
  private String admittedAs;
  /** The code of an error the gateway answered itself (e.g. invalid_token, body_too_large); null otherwise. */
  private String errorCode;
  private boolean partial;
  private int status;
  private long bytesIn;
  private long bytesOut;
  private long endNanos;
  private boolean clientGone;
  private UpstreamCall[] calls = NONE;
  private int callCount;
  /** Calls started and not yet ended; the log is published once they have all ended. */
  private int pending;
  private Runnable whenCallsEnd;
  /** Routes whose bodies are digested for the audit trail, by id; {@link #ALL_ROUTES} for all; null for none. */
  private boolean[] digestRoutes;
  /** The bodies' SHA-256 as they pass (audited routes only); null otherwise. */
  private BodyDigest requestDigest;
  private BodyDigest responseDigest;
  private long requestDigested;
  private long responseDigested;
  static final boolean[] ALL_ROUTES = new boolean[0];

  public RequestLog(String requestId, String method, long startNanos, long startEpochMillis, TraceContext trace, Span span) {
    this.requestId = requestId;
    this.method = method;
    this.span = span;
    this.startNanos = startNanos;
    this.startEpochMillis = startEpochMillis;
    this.trace = trace;
  }

  public String requestId() { return requestId; }

  /** {@code request_id=... trace_id=...} for a log line; {@code log} may be null (no trace id then). */
  public static String logIds(String requestId, RequestLog log) {
    return log == null ? "request_id=" + requestId : "request_id=" + requestId + " trace_id=" + log.trace().traceId();
  }

  public long startNanos() { return startNanos; }

  public long startEpochMillis() { return startEpochMillis; }

  public String method() { return method; }

  /** The server span, or null (unsampled, or tracing off). */
  public Span span() { return span; }

  /** Never null: an unsampled request still has ids to log and propagate. */
  public TraceContext trace() { return trace; }

  /** The resolved route; null for a request refused before routing (edge, 404, 405). */
  public Route route() { return route; }

  public void route(Route r) {
    this.route = r;
    if (digestRoutes != null && (digestRoutes == ALL_ROUTES || (r.id() < digestRoutes.length && digestRoutes[r.id()]))) {
      digestBodies();
    }
  }

  /** Digests this request's bodies from here on (its route is audited). */
  public void digestBodies() {
    if (requestDigest != null) return;
    requestDigest = new BodyDigest();
    responseDigest = new BodyDigest();
  }

  /** Set at the request's head: the routes whose bodies the audit trail signs. */
  void digestRoutes(boolean[] routes) { this.digestRoutes = routes; }

  /** A chunk of the request body as it is read (a no-op unless the route is audited). */
  public void requestBody(Buffer chunk) {
    if (requestDigest != null) {
      requestDigest.update(chunk);
      requestDigested += chunk.length();
    }
  }

  /** A chunk of the answer's body as it is written (a no-op unless the route is audited). */
  public void responseBody(Buffer chunk) {
    if (responseDigest != null) {
      responseDigest.update(chunk);
      responseDigested += chunk.length();
    }
  }

  /** True when this request's bodies are digested (its route is audited). */
  public boolean digestsBodies() { return responseDigest != null; }

  /** The authenticated caller's subject ({@code sub}, API key name); null when anonymous. */
  public String subject() { return subject; }

  public String admittedAs() { return admittedAs; }

  /** Auth admitted the caller as {@code how} ("jwt", "apikey" or "anonymous") with subject {@code sub}. */
  public void admitted(String how, String sub) {
    this.admittedAs = how;
    this.subject = sub;
  }

  /** The gateway's own error code when it answered with one (the error body's {@code code}). */
  public String errorCode() { return errorCode; }

  public void errorCode(String code) {
    if (errorCode == null) errorCode = code;
  }

  /** True when a screen or GraphQL answer carried data and errors (some services failed). */
  public boolean partial() { return partial; }

  public void partial(boolean p) { this.partial = p; }

  /** Lower-case hex SHA-256 of the request body; null when not audited or the body was empty. */
  public String requestBodySha256() { return requestDigested == 0 ? null : requestDigest.hex(); }

  /** Lower-case hex SHA-256 of the answer's body; null when not audited or the body was empty. */
  public String responseBodySha256() { return responseDigested == 0 ? null : responseDigest.hex(); }

  /** Called once by the server when the answer has ended or the client has gone. */
  public void end(int status, long bytesIn, long bytesOut, boolean clientGone) {
    this.status = status;
    this.bytesIn = bytesIn;
    this.bytesOut = bytesOut;
    this.clientGone = clientGone;
    this.endNanos = System.nanoTime();
  }

  /** The status sent (0 when the client left before any). */
  public int status() { return status; }

  public long bytesIn() { return bytesIn; }

  public long bytesOut() { return bytesOut; }

  /** The client closed its connection or reset its stream before the answer ended. */
  public boolean clientGone() { return clientGone; }

  public long durationNanos() { return endNanos - startNanos; }

  /** The status classes metrics label answers with, indexed by {@link #statusClassIndex()}. */
  public static final List<String> STATUS_CLASSES = List.of("1xx", "2xx", "3xx", "4xx", "5xx", "gone");

  /**
   * The answer's class as an index into {@link #STATUS_CLASSES}: "gone" for a client that left
   * before any answer, "5xx" for a 5xx and for anything not a valid status. Every observer that
   * tells server errors apart (route meters, SLOs, the status page) asks here.
   */
  public int statusClassIndex() {
    if (clientGone && status == 0) return 5;
    int c = status / 100;
    return c >= 1 && c <= 4 ? c - 1 : 4;
  }

  /** The answer counts as a server error (class "5xx"). */
  public boolean serverError() {
    return statusClassIndex() == 4;
  }

  /** A call starts: the upstream layer ends it with {@link UpstreamCall#end}. */
  void add(UpstreamCall call) {
    if (callCount == calls.length) calls = Arrays.copyOf(calls, Math.max(4, callCount * 2));
    calls[callCount++] = call;
    pending++;
  }

  /** One of this request's calls has ended (each once). */
  void callEnded() {
    if (--pending == 0 && whenCallsEnd != null) {
      Runnable r = whenCallsEnd;
      whenCallsEnd = null;
      r.run();
    }
  }

  /**
   * Runs {@code r} when the calls still in flight have ended and returns true; returns false
   * when none is (the caller runs it now). A proxy's call ends just after the client's answer
   * does (the relay's last write ends the answer first); every call is bounded by its timers.
   */
  boolean afterCalls(Runnable r) {
    if (pending == 0) return false;
    whenCallsEnd = r;
    return true;
  }

  public int callCount() { return callCount; }

  public UpstreamCall call(int i) { return calls[i]; }
}
