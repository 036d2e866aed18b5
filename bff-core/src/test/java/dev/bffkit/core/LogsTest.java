package dev.bffkit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.TimeZone;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** Log timestamps are real UTC whatever the host's zone (the old format printed local time with a 'Z'). */
class LogsTest {
  @Test
  void timestampsAreUtcInAnyZone() {
    TimeZone saved = TimeZone.getDefault();
    try {
      TimeZone.setDefault(TimeZone.getTimeZone("Asia/Tokyo")); // UTC+9: a local time would read 12:04
      LogRecord r = new LogRecord(Level.INFO, "event=x request_id=r1");
      r.setInstant(Instant.parse("2026-01-02T03:04:05.678Z"));
      r.setLoggerName("dev.bffkit.test");
      String line = new Logs.OneLine().format(r);
      assertEquals("2026-01-02T03:04:05.678Z level=INFO logger=dev.bffkit.test event=x request_id=r1" + System.lineSeparator(), line);
    } finally {
      TimeZone.setDefault(saved);
    }
  }

  @Test
  void anExceptionFollowsItsLine() {
    LogRecord r = new LogRecord(Level.SEVERE, "event=boom");
    r.setLoggerName("dev.bffkit.test");
    r.setThrown(new IllegalStateException("why"));
    String text = new Logs.OneLine().format(r);
    assertTrue(text.split(System.lineSeparator())[0].endsWith("level=SEVERE logger=dev.bffkit.test event=boom"), text);
    assertTrue(text.contains("IllegalStateException: why"), text);
  }
}
