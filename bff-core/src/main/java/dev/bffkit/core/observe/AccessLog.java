package dev.bffkit.core.observe;

import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ObserveConfig;
import dev.bffkit.core.route.Route;
import java.nio.file.Path;

/**
 * One JSON line per request, built on the event loop from the request's {@link RequestLog} with
 * one StringBuilder (no reflection, no generator) and handed to a {@link LineWriter}:
 * <pre>
 * {"time":"2026-11-27T20:15:28.123Z","request_id":"9f..","trace_id":"4bf9..","method":"GET",
 *  "route":"screen:home","kind":"screen","status":200,"duration_ms":12.345,"bytes_in":0,
 *  "bytes_out":812,"subject":"u1","admitted_as":"jwt","error_code":null,"partial":false,"client_gone":false,
 *  "upstream":[{"service":"users","protocol":"rest","outcome":"ok","status":200,"start_ms":0.210,"duration_ms":3.100}]}
 * </pre>
 * ({@code error_code}: the code of an error the gateway answered itself, e.g. {@code body_too_large}.)
 * What it never writes: headers (tokens, API keys, cookies), bodies, query strings, raw paths
 * (which carry ids): the route's name stands for the path. It cannot leak them because the
 * {@link RequestLog} it reads does not hold them.
 */
public final class AccessLog implements RequestObserver {
  /** Client-influenced strings (request id, subject) are cut here; ids are at most 128 chars anyway. */
  private static final int MAX_TEXT = 128;

  private final LineWriter writer;

  public AccessLog(LineWriter writer) {
    this.writer = writer;
  }

  /**
   * Creates the access log when {@code observe.accessLog.enabled}: its writer thread (stdout, or
   * the rotating file), registered as an observer of every request and closed with the BFF.
   * Returns it, or null when it is off.
   */
  public static AccessLog install(Observability o, BffConfig config) {
    ObserveConfig.AccessLog c = config.observe().accessLog();
    if (!c.enabled()) return null;
    LineSink sink = LineSink.stdout();
    if (c.file() != null) {
      RotatingFile file = new RotatingFile(Path.of(c.file()).toAbsolutePath(), c.maxFileBytes(), c.maxFiles(), false);
      file.claim("observe.accessLog.file");
      sink = file;
    }
    LineWriter writer = LineWriter.start(config.name(), "access_log", sink, c.queue(), LineWriter.PLAIN, o.metrics().registry());
    AccessLog log = new AccessLog(writer);
    o.observe(log);
    o.closeWith(writer);
    return log;
  }

  public LineWriter writer() {
    return writer;
  }

  @Override
  public void completed(RequestLog log) {
    writer.offer(line(log));
  }

  /** The line for one request (without the newline). */
  public static String line(RequestLog log) {
    int calls = log.callCount();
    StringBuilder b = new StringBuilder(320 + calls * 128);
    b.append("{\"time\":");
    JsonText.isoTime(b, log.startEpochMillis());
    b.append(",\"request_id\":");
    JsonText.string(b, log.requestId(), MAX_TEXT, false);
    b.append(",\"trace_id\":");
    JsonText.string(b, log.trace().traceId(), MAX_TEXT, false);
    b.append(",\"method\":");
    JsonText.string(b, log.method(), 16, false);
    Route r = log.route();
    b.append(",\"route\":");
    JsonText.string(b, r == null ? null : r.name(), MAX_TEXT * 2, false);
    b.append(",\"kind\":");
    JsonText.string(b, r == null ? null : r.kind().label(), 16, false);
    b.append(",\"status\":").append(log.status());
    b.append(",\"duration_ms\":");
    JsonText.millis3(b, log.durationNanos());
    b.append(",\"bytes_in\":").append(log.bytesIn());
    b.append(",\"bytes_out\":").append(log.bytesOut());
    b.append(",\"subject\":");
    JsonText.string(b, log.subject(), MAX_TEXT, false);
    b.append(",\"admitted_as\":");
    JsonText.string(b, log.admittedAs(), 16, false);
    b.append(",\"error_code\":");
    JsonText.string(b, log.errorCode(), 64, false);
    b.append(",\"partial\":").append(log.partial());
    b.append(",\"client_gone\":").append(log.clientGone());
    b.append(",\"upstream\":[");
    for (int i = 0; i < calls; i++) {
      UpstreamCall c = log.call(i);
      if (i > 0) b.append(',');
      b.append("{\"service\":");
      JsonText.string(b, c.service(), MAX_TEXT, false);
      b.append(",\"protocol\":");
      JsonText.string(b, c.protocol(), 16, false);
      b.append(",\"outcome\":");
      Outcome how = c.outcome();
      JsonText.string(b, how == null ? "in_flight" : how.label(), 32, false); // a hedge's loser may still run
      b.append(",\"status\":");
      if (how == null || c.status() < 0) b.append("null");
      else b.append(c.status());
      b.append(",\"start_ms\":");
      JsonText.millis3(b, c.startOffsetNanos());
      b.append(",\"duration_ms\":");
      if (how == null) b.append("null");
      else JsonText.millis3(b, c.durationNanos());
      b.append('}');
    }
    return b.append("]}").toString();
  }
}
