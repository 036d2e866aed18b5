package dev.bffkit.core.compose;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * A JSON request-body template such as {@code {"text": {args.text}, "tags": {args.tags}}}.
 * Each reference stands for a whole JSON value and is substituted JSON-encoded (a string gets
 * quotes and escapes), so values cannot break out of their slot. Compiled once; at compile
 * time the template is rendered with nulls and must be valid JSON.
 */
public final class JsonTemplate {
  private final String text;
  /** Alternating: literal String, Template.Ref, literal String, ... */
  private final Object[] parts;
  private final List<Template.Ref> refs;

  private JsonTemplate(String text, Object[] parts, List<Template.Ref> refs) {
    this.text = text;
    this.parts = parts;
    this.refs = refs;
  }

  public List<Template.Ref> refs() { return refs; }

  public static JsonTemplate compile(String text, Set<Template.Root> allowed) {
    List<Object> parts = new ArrayList<>();
    List<Template.Ref> refs = new ArrayList<>();
    StringBuilder lit = new StringBuilder();
    boolean inString = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (inString) {
        lit.append(c);
        if (c == '\\' && i + 1 < text.length()) lit.append(text.charAt(++i));
        else if (c == '"') inString = false;
        else if (c == '{' && looksLikeRef(text, i + 1)) {
          throw new IllegalArgumentException("body: a reference inside a JSON string at offset " + i
              + "; a reference stands for a whole value, e.g. {\"name\": {args.name}}");
        }
        continue;
      }
      if (c == '"') {
        inString = true;
        lit.append(c);
      } else if (c == '{' && i + 1 < text.length() && Character.isLetter(text.charAt(i + 1))) {
        int end = text.indexOf('}', i + 1);
        if (end < 0) throw new IllegalArgumentException("body: unclosed '{' at offset " + i);
        parts.add(lit.toString());
        lit.setLength(0);
        Template.Ref ref = Template.parseRef(text.substring(i + 1, end), allowed);
        parts.add(ref);
        refs.add(ref);
        i = end;
      } else {
        lit.append(c);
      }
    }
    parts.add(lit.toString());
    JsonTemplate t = new JsonTemplate(text, parts.toArray(), Collections.unmodifiableList(refs));
    try {
      Json.parse(t.render(ref -> null).toString());
    } catch (Exception e) {
      throw new IllegalArgumentException("body is not a JSON template: " + text);
    }
    return t;
  }

  private static boolean looksLikeRef(String text, int from) {
    for (String root : new String[] {"args.", "source.", "ctx.", "header."}) {
      if (text.startsWith(root, from)) return true;
    }
    return false;
  }

  public Buffer render(Template.Values values) {
    StringBuilder sb = new StringBuilder(text.length() + 32);
    for (Object p : parts) {
      if (p instanceof String s) sb.append(s);
      else sb.append(Json.write(values.get((Template.Ref) p)));
    }
    return Buffer.buffer(sb.toString());
  }

  @Override
  public String toString() { return text; }
}
