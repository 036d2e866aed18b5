package dev.bffkit.core.pipeline;

import dev.bffkit.core.observe.RequestLog;
import java.time.Duration;

/**
 * An absolute point in time (monotonic clock) by which a request must be answered. Every
 * upstream call inherits the request's deadline; a field's {@code @timeout} can only tighten it.
 *
 * <p>It also says whose deadline it is and carries the request's {@link Cancellation}: a
 * deadline the client chose (a gRPC-Web {@code grpc-timeout} shorter than the gateway's) that
 * runs out is the client's fault and, like a client that hangs up, counts against no service.
 *
 * <p>And it carries the request's {@link RequestLog}, so each upstream call, however deep in a
 * screen's plan, records its timing and outcome there and sends the request's trace context.
 *
 * @param clientChosen true when the client set this point in time (it was tighter than ours)
 * @param cancellation the request's "client gone" signal; null when nobody watches
 * @param log the request's log; null for work done for no request (dry runs, tools, tests)
 * @param caller who the calls are made for (a canary's matches and sticky key read it when a call
 *     picks its endpoint); null for work done for no request
 */
public record Deadline(long atNanos, boolean clientChosen, Cancellation cancellation, RequestLog log, Caller caller) {

  public Deadline(long atNanos) {
    this(atNanos, false, null, null, null);
  }

  public Deadline(long atNanos, boolean clientChosen, Cancellation cancellation, RequestLog log) {
    this(atNanos, clientChosen, cancellation, log, null);
  }

  public Deadline(long atNanos, boolean clientChosen, Cancellation cancellation) {
    this(atNanos, clientChosen, cancellation, null);
  }

  public static Deadline in(Duration d) {
    return new Deadline(System.nanoTime() + d.toNanos());
  }

  public static Deadline inMillis(long ms) {
    return new Deadline(System.nanoTime() + ms * 1_000_000L);
  }

  /** Milliseconds left, never negative. */
  public long remainingMillis() {
    long left = atNanos - System.nanoTime();
    return left <= 0 ? 0 : Math.max(1, left / 1_000_000L);
  }

  public boolean expired() {
    return System.nanoTime() - atNanos >= 0;
  }

  /** The earlier of this deadline and {@code now + ms}, {@code ms} chosen by the gateway. */
  public Deadline tighten(long ms) {
    long other = System.nanoTime() + ms * 1_000_000L;
    return other - atNanos < 0 ? new Deadline(other, false, cancellation, log, caller) : this;
  }

  /** The earlier of this deadline and {@code now + ms}, {@code ms} chosen by the client. */
  public Deadline tightenByClient(long ms) {
    long other = System.nanoTime() + ms * 1_000_000L;
    return other - atNanos < 0 ? new Deadline(other, true, cancellation, log, caller) : this;
  }

  public Deadline withCancellation(Cancellation c) {
    return new Deadline(atNanos, clientChosen, c, log, caller);
  }

  public Deadline withCaller(Caller c) {
    return new Deadline(atNanos, clientChosen, cancellation, log, c);
  }

  /** True when the client has gone. */
  public boolean cancelled() {
    return cancellation != null && cancellation.cancelled();
  }
}
