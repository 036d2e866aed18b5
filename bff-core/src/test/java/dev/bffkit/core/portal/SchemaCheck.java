package dev.bffkit.core.portal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A small structural JSON Schema check for tests (no validator library is on the classpath): {@code $ref} within the
 * document, {@code type} (one or a list), {@code properties}, {@code required}, {@code additionalProperties: false},
 * {@code items}, {@code enum}, {@code const}, {@code oneOf} (exactly one), {@code anyOf} and the int32 range. Enough
 * for what {@link OpenApiDocument} emits; the npm test runs a complete validator (ajv) over the same answer.
 */
final class SchemaCheck {
  private final JsonNode document;
  private final List<String> problems = new ArrayList<>();

  private SchemaCheck(JsonNode document) {
    this.document = document;
  }

  /** The problems of {@code value} against {@code schema}, each with its JSON path; empty when it conforms. */
  static List<String> check(JsonNode document, JsonNode schema, JsonNode value) {
    SchemaCheck c = new SchemaCheck(document);
    c.problems.addAll(c.problems(schema, value, "$"));
    return c.problems;
  }

  private List<String> problems(JsonNode schema, JsonNode value, String at) {
    List<String> out = new ArrayList<>();
    if (schema.has("$ref")) {
      String ref = schema.get("$ref").asText();
      if (!ref.startsWith("#/")) throw new IllegalArgumentException("only local refs: " + ref);
      JsonNode target = document.at(ref.substring(1));
      if (target.isMissingNode()) throw new IllegalArgumentException("dangling ref " + ref);
      return problems(target, value, at);
    }
    if (schema.has("type") && !typeMatches(schema.get("type"), value)) {
      out.add(at + ": " + kind(value) + " is not " + schema.get("type"));
      return out;
    }
    if (schema.has("enum")) {
      boolean found = false;
      for (JsonNode e : schema.get("enum")) found |= e.equals(value);
      if (!found) out.add(at + ": " + value + " not in " + schema.get("enum"));
    }
    if (schema.has("const") && !schema.get("const").equals(value)) out.add(at + ": " + value + " is not " + schema.get("const"));
    if ("int32".equals(schema.path("format").asText()) && value.isIntegralNumber() && !value.canConvertToInt()) {
      out.add(at + ": " + value + " is beyond int32");
    }
    if (value.isObject()) {
      JsonNode props = schema.path("properties");
      for (JsonNode r : schema.path("required")) {
        if (!value.has(r.asText())) out.add(at + ": missing " + r.asText());
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        if (props.has(f.getKey())) out.addAll(problems(props.get(f.getKey()), f.getValue(), at + "." + f.getKey()));
        else if (schema.path("additionalProperties").isBoolean() && !schema.get("additionalProperties").asBoolean()) {
          out.add(at + ": unexpected " + f.getKey());
        }
      }
    }
    if (value.isArray() && schema.has("items")) {
      for (int i = 0; i < value.size(); i++) out.addAll(problems(schema.get("items"), value.get(i), at + "[" + i + "]"));
    }
    if (schema.has("oneOf")) {
      int ok = 0;
      for (JsonNode s : schema.get("oneOf")) if (problems(s, value, at).isEmpty()) ok++;
      if (ok != 1) out.add(at + ": matches " + ok + " of oneOf, not exactly 1");
    }
    if (schema.has("anyOf")) {
      boolean ok = false;
      for (JsonNode s : schema.get("anyOf")) ok |= problems(s, value, at).isEmpty();
      if (!ok) out.add(at + ": matches none of anyOf");
    }
    return out;
  }

  private static boolean typeMatches(JsonNode type, JsonNode value) {
    if (type.isArray()) {
      for (JsonNode t : type) if (typeMatches(t, value)) return true;
      return false;
    }
    return switch (type.asText()) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isTextual();
      case "integer" -> value.isIntegralNumber() || (value.isNumber() && value.asDouble() == Math.rint(value.asDouble()));
      case "number" -> value.isNumber();
      case "boolean" -> value.isBoolean();
      case "null" -> value.isNull();
      default -> throw new IllegalArgumentException("unknown type " + type);
    };
  }

  private static String kind(JsonNode v) {
    return v.getNodeType().name().toLowerCase() + " " + v;
  }
}
