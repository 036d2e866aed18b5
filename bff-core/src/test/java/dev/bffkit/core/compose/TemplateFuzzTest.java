package dev.bffkit.core.compose;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the template and selector compilers and rendering with hostile values: compile either
 * succeeds or throws {@link IllegalArgumentException}; rendering a compiled template either
 * succeeds or throws {@link TemplateValueException}, and a rendered path never leaves its segment
 * (no raw '/', '?', '#', CR/LF or NUL from a value).
 */
class TemplateFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void templates(FuzzedDataProvider data) {
    String text = data.consumeString(200);
    String value = data.consumeRemainingAsString();
    Template t;
    try {
      t = Template.compile(text, Template.FIELD_ROOTS);
    } catch (IllegalArgumentException expected) {
      return;
    }
    String out;
    try {
      out = t.render(ref -> ref.root() == Template.Root.ARGS ? value : List.of(value, 7));
    } catch (TemplateValueException expected) {
      return;
    }
    if (out.indexOf('\r') >= 0 || out.indexOf('\n') >= 0 || out.indexOf('\0') >= 0) {
      throw new AssertionError("control character rendered into '" + out + "' from template '" + text + "'");
    }
  }

  @FuzzTest(maxDuration = "10s")
  void selectors(FuzzedDataProvider data) {
    String path = data.consumeString(100);
    Selector s;
    try {
      s = Selector.compile(path);
    } catch (IllegalArgumentException expected) {
      return;
    }
    s.select(Map.of("a", List.of(Map.of("b", 1)), "items", List.of(1, 2), "x", Map.of("y", "z")));
    s.select(null);
    s.select(List.of());
  }
}
