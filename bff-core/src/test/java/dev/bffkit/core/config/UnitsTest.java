package dev.bffkit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UnitsTest {
  @Test
  void durations() {
    assertEquals(Duration.ofMillis(250), Units.duration("250ms"));
    assertEquals(Duration.ofMillis(1500), Units.duration("1500"));
    assertEquals(Duration.ofSeconds(10), Units.duration("10s"));
    assertEquals(Duration.ofMinutes(2), Units.duration("2m"));
    assertEquals(Duration.ofHours(1), Units.duration("1h"));
    assertNull(Units.duration("10 sec"));
    assertNull(Units.duration("-1s"));
    assertNull(Units.duration("s"));
    assertNull(Units.duration("1.5s"));
  }

  @Test
  void sizes() {
    assertEquals(8192, Units.bytes("8192"));
    assertEquals(65536, Units.bytes("64kb"));
    assertEquals(1 << 20, Units.bytes("1MB"));
    assertEquals(-1, Units.bytes("4gb"));
    assertEquals(-1, Units.bytes("lots"));
  }
}
