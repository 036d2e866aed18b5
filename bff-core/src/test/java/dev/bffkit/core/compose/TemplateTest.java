package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplateTest {
  static String render(String template, Map<String, Object> args) {
    return Template.compile(template, Template.FIELD_ROOTS).render(ref -> ref.path().select(args));
  }

  @Test
  void pathValuesAreOneEncodedSegment() {
    assertEquals("/users/..%2F..%2Fadmin%3Fx%3D1", render("/users/{args.id}", Map.of("id", "../../admin?x=1")));
    assertEquals("/u/a%23b%25c%20d/x", render("/u/{args.id}/x", Map.of("id", "a#b%c d")));
    assertEquals("/u/caf%C3%A9-%F0%9F%98%80", render("/u/{args.id}", Map.of("id", "café-😀")));
    assertEquals("/u/42/p-7", render("/u/{args.id}/p-{args.n}", Map.of("id", 42, "n", 7L)));
  }

  @Test
  void queryValuesAreEncodedComponentsAndNullDropsThePair() {
    Map<String, Object> args = new HashMap<>();
    args.put("q", "a&b=c+d#e");
    args.put("tag", null);
    assertEquals("/s?q=a%26b%3Dc%2Bd%23e&v=1", render("/s?q={args.q}&tag={args.tag}&v=1", args));
    assertEquals("/s?v=1", render("/s?tag={args.tag}&v=1", args));
    assertEquals("/s?q=x-a%26b%3Dc%2Bd%23e", render("/s?q=x-{args.q}", args));
    assertEquals("/s?id=1&id=2&flag", render("/s?id={args.ids}&flag", Map.of("ids", List.of(1, 2))));
  }

  @Test
  void missingOrDotValuesInThePathAreFieldErrors() {
    TemplateValueException e = assertThrows(TemplateValueException.class, () -> render("/u/{args.id}", Map.of()));
    assertEquals("missing value for {args.id}", e.getMessage());
    assertThrows(TemplateValueException.class, () -> render("/u/{args.id}", Map.of("id", "")));
    assertThrows(TemplateValueException.class, () -> render("/u/{args.id}", Map.of("id", "..")));
    assertThrows(TemplateValueException.class, () -> render("/u/{args.id}", Map.of("id", Map.of("a", 1))));
  }

  @Test
  void dotPathsAndKeys() {
    Template t = Template.compile("/u/{source.author.id}", Template.FIELD_ROOTS);
    assertEquals("/u/7", t.render(ref -> ref.path().select(Map.of("author", Map.of("id", 7)))));
    Template b = Template.compile("/users?ids={keys}", Template.BATCH_ROOTS);
    assertEquals("/users?ids=a,b%2Cc,d%20e", b.render(ref -> List.of("a", "b,c", "d e")));
  }

  @Test
  void badSyntaxIsRejectedAtCompileTime() {
    for (String bad : List.of("/u/{args.id", "/u/args.id}", "/u/{foo.id}", "/u/{args}", "u/{args.id}",
        "/u/{keys}", "/u/{args.a-b}", "/u#frag", "/s?{args.q}=1")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Template.compile(bad, Template.FIELD_ROOTS), bad);
      assertTrue(!e.getMessage().isEmpty());
    }
  }

  @Test
  void jsonBodiesSubstituteJsonValues() {
    JsonTemplate t = JsonTemplate.compile("{\"text\": {args.text}, \"n\": {args.n}, \"tags\": {args.tags}, \"x\": {}}",
        Template.FIELD_ROOTS);
    Map<String, Object> args = new HashMap<>();
    args.put("text", "a\"}, \"admin\": true");
    args.put("n", null);
    args.put("tags", List.of("x"));
    assertEquals("{\"text\": \"a\\\"}, \\\"admin\\\": true\", \"n\": null, \"tags\": [\"x\"], \"x\": {}}",
        t.render(ref -> ref.path().select(args)).toString());
    assertThrows(IllegalArgumentException.class, () -> JsonTemplate.compile("{\"a\": \"{args.x}\"}", Template.FIELD_ROOTS));
    assertThrows(IllegalArgumentException.class, () -> JsonTemplate.compile("{\"a\": {args.x}", Template.FIELD_ROOTS));
    assertThrows(IllegalArgumentException.class, () -> JsonTemplate.compile("{\"a\": {nope.x}}", Template.FIELD_ROOTS));
  }
}
