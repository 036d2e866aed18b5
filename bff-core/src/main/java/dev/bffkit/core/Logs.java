package dev.bffkit.core;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** One-line, key=value log records on stderr, ready for any log shipper (the launcher's and the demo's). */
public final class Logs {
  /** ISO-8601 in UTC with milliseconds, e.g. 2026-11-27T18:05:56.123Z, whatever the host's zone. */
  private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private Logs() {}

  /**
   * Call first thing in a main, before anything logs. The timestamps are real UTC: JUL's
   * {@code SimpleFormatter} prints the host's local time (its format had a literal 'Z' after a
   * local time), so the console handlers get {@link OneLine} unless a format was given explicitly.
   */
  public static void configure() {
    if (System.getProperty("java.util.logging.SimpleFormatter.format") != null) return;
    for (Handler h : Logger.getLogger("").getHandlers()) h.setFormatter(new OneLine());
  }

  /** {@code <UTC time> level=INFO logger=name message[ exception]}. */
  public static final class OneLine extends Formatter {
    @Override
    public String format(LogRecord r) {
      StringBuilder b = new StringBuilder(160).append(UTC.format(r.getInstant()))
          .append(" level=").append(r.getLevel().getName())
          .append(" logger=").append(r.getLoggerName())
          .append(' ').append(formatMessage(r));
      if (r.getThrown() != null) {
        StringWriter w = new StringWriter();
        r.getThrown().printStackTrace(new PrintWriter(w));
        b.append(System.lineSeparator()).append(w);
      } else {
        b.append(System.lineSeparator());
      }
      return b.toString();
    }
  }

  /** A log line straight to stderr, in the same shape, for when logging may be shut down. */
  static void direct(String level, String message) {
    System.err.println(UTC.format(Instant.now()) + " level=" + level + " logger=dev.bffkit " + message);
  }
}
