package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectorTest {
  final Object json = Map.of(
      "items", List.of(Map.of("id", 1), Map.of("id", 2)),
      "data", Map.of("user", Map.of("name", "Ann", "0", "zero")));

  @Test
  void walksMapsAndLists() {
    assertEquals(json, Selector.compile("").select(json));
    assertEquals(json, Selector.compile(null).select(json));
    assertEquals(2, ((List<?>) Selector.compile("items").select(json)).size());
    assertEquals(Map.of("id", 1), Selector.compile("items.0").select(json));
    assertEquals(2, Selector.compile("items.1.id").select(json));
    assertEquals("Ann", Selector.compile("data.user.name").select(json));
    assertEquals("zero", Selector.compile("data.user.0").select(json)); // numeric keys work on maps
  }

  @Test
  void missingIsNull() {
    assertNull(Selector.compile("nope").select(json));
    assertNull(Selector.compile("items.5").select(json));
    assertNull(Selector.compile("items.x").select(json));
    assertNull(Selector.compile("data.user.name.deeper").select(json));
    assertNull(Selector.compile("a").select(null));
  }

  @Test
  void emptySegmentsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> Selector.compile("a..b"));
    assertThrows(IllegalArgumentException.class, () -> Selector.compile(".a"));
  }
}
