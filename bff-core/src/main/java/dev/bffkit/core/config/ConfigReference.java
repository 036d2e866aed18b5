package dev.bffkit.core.config;

import dev.bffkit.core.config.ConfigKey.Section;
import dev.bffkit.core.config.ConfigKey.Type;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@link ConfigKeys} declares, written for people and editors: {@code docs/config-reference.md} and
 * {@code docs/bff.schema.json} (JSON Schema draft-07, which yaml-language-server and ajv read; a bff.yaml's first line
 * {@code # yaml-language-server: $schema=...} gives completion and checks in editors). Both are generated and checked
 * in; {@code ConfigReferenceTest} fails when they differ from the declarations. Regenerate with
 * {@code java -cp bff-core/target/bff.jar dev.bffkit.core.config.ConfigReference docs}.
 */
public final class ConfigReference {
  public static final String MARKDOWN = "config-reference.md";
  public static final String SCHEMA = "bff.schema.json";

  private ConfigReference() {}

  /** Writes both files into {@code args[0]} (the docs folder). */
  public static void main(String[] args) throws IOException {
    Path docs = Path.of(args.length > 0 ? args[0] : "docs");
    Files.writeString(docs.resolve(MARKDOWN), markdown(), StandardCharsets.UTF_8);
    Files.writeString(docs.resolve(SCHEMA), jsonSchema(), StandardCharsets.UTF_8);
  }

  public static String markdown() {
    StringBuilder sb = new StringBuilder("""
        # bff.yaml reference

        Generated from the key declarations (`bff-core/.../config/ConfigKeys.java`); do not edit. Regenerate with
        `java -cp bff-core/target/bff.jar dev.bffkit.core.config.ConfigReference docs`. Editors complete and check a
        bff.yaml whose first line is `# yaml-language-server: $schema=<path to docs/bff.schema.json>`.

        How values are written:
        - **duration**: `250ms`, `10s`, `2m`, `1h`, `30d`, or a bare number of milliseconds;
        - **size**: bytes, or `64kb`, `1mb`, `1gb` (powers of 1024);
        - **share**: `0.2` or `20%`;
        - **list of strings**: `[a, b]`, or one value;
        - `${NAME}` (an error when unset) and `${NAME:-default}` anywhere in a value, expanded before it is read;
          `$${` for a literal `${`;
        - an empty value (`key:` or `~`) counts as not given; an unknown key is an error naming the allowed ones;
        - `include: [FILE, ...]` merges shared fragments under the file (the file wins; mappings merge, lists replace),
          and `services.defaults` gives every service its starting keys.

        """);
    for (Section s : ConfigKeys.ROOT.all()) {
      sb.append("## ").append(s.path().isEmpty() ? "(top level)" : "`" + s.path() + "`").append("\n\n")
          .append(s.doc()).append("\n\n| key | type | default | meaning |\n|---|---|---|---|\n");
      for (ConfigKey k : s.keys()) {
        String type = k.section() != null ? "[" + k.type().shown + "](#" + anchor(k.section().path()) + ")" : typeText(k);
        sb.append("| `").append(k.name()).append("` | ").append(type).append(" | ")
            .append(k.defaultValue() == null ? "" : "`" + (k.defaultValue().isEmpty() ? "\"\"" : k.defaultValue()) + "`")
            .append(" | ").append(k.doc().replace("|", "\\|")).append(" |\n");
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  private static String typeText(ConfigKey k) {
    return switch (k.type()) {
      case INT, NUMBER -> k.type().shown + " " + bound(k.min()) + ".." + bound(k.max());
      case WORD -> String.join(" \\| ", k.words());
      default -> k.type().shown;
    };
  }

  private static String bound(Long v) {
    return v == Integer.MAX_VALUE ? "" : String.valueOf(v);
  }

  /** GitHub's heading anchor for a code-span heading. */
  private static String anchor(String path) {
    return path.toLowerCase().replaceAll("[^a-z0-9 _-]", "");
  }

  public static String jsonSchema() {
    JsonObject root = section(ConfigKeys.ROOT);
    JsonObject schema = new JsonObject()
        .put("$schema", "http://json-schema.org/draft-07/schema#")
        .put("$id", "https://bffkit.dev/schemas/bff.schema.json")
        .put("title", "BFF Kit bff.yaml")
        .put("definitions", new JsonObject().put("env", new JsonObject().put("type", "string").put("pattern", "\\$\\{")
            .put("description", "an environment reference, expanded before the value is read")));
    root.forEach(e -> schema.put(e.getKey(), e.getValue()));
    return schema.encodePrettily() + "\n";
  }

  private static JsonObject section(Section s) {
    JsonObject props = new JsonObject();
    for (ConfigKey k : s.keys()) props.put(k.name(), key(k));
    return new JsonObject().put("type", new JsonArray().add("object").add("null")).put("description", s.doc())
        .put("additionalProperties", false).put("properties", props);
  }

  private static final JsonObject ENV = new JsonObject().put("$ref", "#/definitions/env");
  private static final JsonObject NULL = new JsonObject().put("type", "null");
  private static final JsonObject SCALAR = new JsonObject().put("type", new JsonArray().add("string").add("number")
      .add("boolean"));

  private static JsonObject key(ConfigKey k) {
    String doc = k.doc() + (k.defaultValue() == null ? "" : " (default: " + (k.defaultValue().isEmpty() ? "\"\"" : k.defaultValue()) + ")");
    JsonObject out = switch (k.type()) {
      case STRING -> oneOf(new JsonObject().put("type", "string"));
      case BOOL -> oneOf(new JsonObject().put("type", "boolean"));
      case INT -> oneOf(new JsonObject().put("type", "integer").put("minimum", k.min()).put("maximum", k.max()));
      case NUMBER -> oneOf(new JsonObject().put("type", "number").put("minimum", k.min()).put("maximum", k.max()));
      case DURATION -> oneOf(new JsonObject().put("type", "integer").put("minimum", 0),
          new JsonObject().put("type", "string").put("pattern", "^\\s*[0-9]+\\s*(ms|s|m|h|d)?\\s*$"));
      case SIZE -> oneOf(new JsonObject().put("type", "integer").put("minimum", 0),
          new JsonObject().put("type", "string").put("pattern", "^\\s*[0-9]+\\s*([bB]|[kKmMgG][bB]?)?\\s*$"));
      case SHARE -> oneOf(new JsonObject().put("type", "number").put("minimum", 0),
          new JsonObject().put("type", "string").put("pattern", "^\\s*[0-9]+(\\.[0-9]+)?\\s*%\\s*$"));
      case WORD -> words(k.words());
      case STRINGS -> oneOf(SCALAR, new JsonObject().put("type", "array").put("items", SCALAR));
      case SECTION -> section(k.section());
      case SECTIONS -> new JsonObject().put("type", new JsonArray().add("array").add("null")).put("items", section(k.section()));
      case NAMED -> new JsonObject().put("type", new JsonArray().add("object").add("null"))
          .put("additionalProperties", section(k.section()));
      case NAMED_STRINGS -> new JsonObject().put("type", new JsonArray().add("object").add("null"))
          .put("additionalProperties", oneOf(SCALAR));
      case NAMED_LISTS -> new JsonObject().put("type", new JsonArray().add("object").add("null"))
          .put("additionalProperties", oneOf(SCALAR, new JsonObject().put("type", "array").put("items", SCALAR)));
      case ANY -> new JsonObject();
    };
    return out.put("description", doc);
  }

  /** Any of these, or an environment reference, or nothing (an empty value). */
  private static JsonObject oneOf(JsonObject... kinds) {
    JsonArray any = new JsonArray();
    for (JsonObject k : kinds) any.add(k);
    return new JsonObject().put("anyOf", any.add(ENV).add(NULL));
  }

  /** A word; YAML reads true/false as booleans, so those two words are booleans too. */
  private static JsonObject words(List<String> words) {
    JsonArray enumerated = new JsonArray();
    boolean bool = false;
    for (String w : words) {
      if (w.equals("true") || w.equals("false")) bool = true;
      else enumerated.add(w);
    }
    JsonObject word = new JsonObject().put("enum", enumerated);
    return bool ? oneOf(word, new JsonObject().put("type", "boolean")) : oneOf(word);
  }
}
