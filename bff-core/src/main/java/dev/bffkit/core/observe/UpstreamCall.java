package dev.bffkit.core.observe;

import io.opentelemetry.api.trace.Span;
import io.vertx.core.MultiMap;

/**
 * One logical call to a service made for a request (retries and hedges inside it): started by
 * the upstream layer through {@link ServiceMeters#start}, ended exactly once with its
 * {@link Outcome}. It feeds the service's meters, its client span (sampled requests only) and
 * the request's {@link RequestLog} (per-upstream timings in the access log).
 */
public final class UpstreamCall {
  private final ServiceMeters meters;
  private final RequestLog log;
  private final String protocol;
  private final long startNanos;
  private final Span span;
  private final String traceparent;
  private Outcome outcome;
  private int status;
  private long endNanos;

  UpstreamCall(ServiceMeters meters, RequestLog log, String protocol, Span span, String traceparent) {
    this.meters = meters;
    this.log = log;
    this.protocol = protocol;
    this.span = span;
    this.traceparent = traceparent;
    this.startNanos = System.nanoTime();
  }

  /** The {@code traceparent} to send with this call; null when the request has no trace context. */
  public String traceparent() { return traceparent; }

  /** The caller's {@code tracestate} to pass on; null when none. */
  public String tracestate() { return log == null ? null : log.trace().traceState(); }

  /**
   * Sets the gateway's trace context on an upstream request's headers, replacing whatever the
   * client sent (W3C Trace Context §3.2; a proxy copies the client's headers first). Without a
   * context (no request) the client's are removed: a service sees only what the gateway set.
   */
  public void putTraceHeaders(MultiMap headers) {
    if (traceparent == null) {
      headers.remove(TraceContext.TRACEPARENT).remove(TraceContext.TRACESTATE);
      return;
    }
    headers.set(TraceContext.TRACEPARENT, traceparent);
    String ts = tracestate();
    if (ts != null) headers.set(TraceContext.TRACESTATE, ts);
    else headers.remove(TraceContext.TRACESTATE);
  }

  public String service() { return meters.service(); }

  /** "rest", "grpc" or "proxy". */
  public String protocol() { return protocol; }

  /** How it ended; null while in flight. */
  public Outcome outcome() { return outcome; }

  /** HTTP status or gRPC status code of the answer; -1 when there was none. */
  public int status() { return status; }

  /** From the request's start to this call's start. */
  public long startOffsetNanos() { return log == null ? 0 : startNanos - log.startNanos(); }

  public long durationNanos() { return endNanos - startNanos; }

  public boolean ended() { return outcome != null; }

  /** Ends the call once; later calls are ignored. {@code status} -1 when no answer came. */
  public void end(Outcome how, int answerStatus) {
    if (outcome != null) return;
    outcome = how;
    status = answerStatus;
    endNanos = System.nanoTime();
    meters.record(how, endNanos - startNanos);
    if (span != null) Tracing.endClientSpan(span, how, answerStatus, protocol);
    if (log != null) log.callEnded();
  }
}
