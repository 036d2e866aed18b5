package dev.bffkit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvInterpolatorTest {
  private final EnvInterpolator env = new EnvInterpolator(Map.of("A", "1", "EMPTY", "", "HOST", "h")::get);

  @Test
  void expandsReferencesDefaultsAndEscapes() {
    assertEquals("plain", env.expand("plain"));
    assertEquals("1", env.expand("${A}"));
    assertEquals("x1y", env.expand("x${A}y"));
    assertEquals("http://h:9", env.expand("http://${HOST}:${PORT:-9}"));
    assertEquals("", env.expand("${NOPE:-}"));
    assertEquals("d", env.expand("${EMPTY:-d}"));
    assertEquals("", env.expand("${EMPTY}"));
    assertEquals("${A}", env.expand("$${A}"));
    assertEquals("$5 and $", env.expand("$5 and $"));
    assertEquals("a:-b", env.expand("${NOPE:-a:-b}"));
  }

  @Test
  void rejectsUnsetAndMalformed() {
    var unset = assertThrows(EnvInterpolator.Problem.class, () -> env.expand("${NOPE}"));
    assertTrue(unset.getMessage().contains("NOPE is not set"), unset.getMessage());
    var open = assertThrows(EnvInterpolator.Problem.class, () -> env.expand("${A"));
    assertTrue(open.getMessage().contains("closing"), open.getMessage());
    var bad = assertThrows(EnvInterpolator.Problem.class, () -> env.expand("${1X}"));
    assertTrue(bad.getMessage().contains("not a valid reference"), bad.getMessage());
  }
}
