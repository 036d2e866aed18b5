package dev.bffkit.core.contract;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a service's JSON looks like at one place, as its contract says: an OpenAPI schema or a protobuf message in
 * the proto3 JSON mapping (JSON names, as the BFF reads gRPC answers). {@link #ANY} where the contract does not say
 * (free-form objects, {@code oneOf}, {@code google.protobuf.Struct}): anything is accepted there.
 */
record Shape(Kind kind, Map<String, Shape> properties, boolean open, Shape items) {

  /** A JSON value's kind; NUMBER accepts integers too. */
  enum Kind { OBJECT, ARRAY, STRING, INTEGER, NUMBER, BOOLEAN, ANY }

  static final Shape ANY = new Shape(Kind.ANY, Map.of(), true, null);
  private static final int MAX_DEPTH = 32;

  /** The property {@code name}: null when a closed object lacks it, ANY where the shape does not say. */
  Shape property(String name) {
    if (kind == Kind.ANY) return ANY;
    if (kind != Kind.OBJECT) return null;
    Shape p = properties.get(name);
    return p != null ? p : open ? ANY : null;
  }

  /** A dot path ({@code avatar.small}, {@code items.0}); null when some step is absent. */
  Shape path(String dots) {
    Shape s = this;
    for (String seg : dots.split("\\.")) {
      if (s == null) return null;
      if (s.kind == Kind.ARRAY && !seg.isEmpty() && seg.chars().allMatch(Character::isDigit)) {
        s = s.items;
      } else {
        s = s.property(seg);
      }
    }
    return s;
  }

  /** Where {@code dots} stops: the deepest shape the path reaches (for "it has: ..." in messages). */
  Shape reach(String dots) {
    Shape s = this;
    for (String seg : dots.split("\\.")) {
      Shape next = s.kind == Kind.ARRAY && !seg.isEmpty() && seg.chars().allMatch(Character::isDigit) ? s.items
          : s.property(seg);
      if (next == null) return s;
      s = next;
    }
    return s;
  }

  /** The property names, for "has: ..." in messages. */
  Set<String> names() {
    return new TreeSet<>(properties.keySet());
  }

  /** An OpenAPI (JSON Schema) object, its {@code $ref}s already resolved; {@code allOf} merged. */
  static Shape of(JsonObject schema) {
    return of(schema, 0);
  }

  private static Shape of(JsonObject schema, int depth) {
    if (schema == null || depth > MAX_DEPTH) return ANY;
    if (schema.containsKey("oneOf") || schema.containsKey("anyOf")) return ANY;
    Map<String, Shape> props = new LinkedHashMap<>();
    boolean open = false;
    Kind kind = kind(schema);
    JsonArray allOf = schema.getJsonArray("allOf");
    if (allOf != null) {
      for (Object part : allOf) {
        Shape s = of(part instanceof JsonObject o ? o : null, depth + 1);
        if (s.kind == Kind.ANY && s.properties.isEmpty()) return ANY;
        props.putAll(s.properties);
        open |= s.open;
        if (kind == Kind.ANY) kind = s.kind;
      }
    }
    JsonObject p = schema.getJsonObject("properties");
    if (p != null) {
      if (kind == Kind.ANY) kind = Kind.OBJECT;
      for (String name : p.fieldNames()) props.put(name, of(p.getJsonObject(name), depth + 1));
    }
    if (kind == Kind.OBJECT) {
      Object extra = schema.getValue("additionalProperties");
      open |= p == null && allOf == null || Boolean.TRUE.equals(extra) || extra instanceof JsonObject;
      return new Shape(Kind.OBJECT, Map.copyOf(props), open, null);
    }
    if (kind == Kind.ARRAY) return new Shape(Kind.ARRAY, Map.of(), false, of(schema.getJsonObject("items"), depth + 1));
    return kind == Kind.ANY ? ANY : new Shape(kind, Map.of(), false, null);
  }

  /** {@code type: string} or (OpenAPI 3.1) {@code type: [string, "null"]}. */
  private static Kind kind(JsonObject schema) {
    Object t = schema.getValue("type");
    if (t instanceof JsonArray a) {
      t = a.stream().filter(x -> !"null".equals(x)).findFirst().orElse(null);
    }
    if (!(t instanceof String s)) return Kind.ANY;
    return switch (s) {
      case "object" -> Kind.OBJECT;
      case "array" -> Kind.ARRAY;
      case "string" -> Kind.STRING;
      case "integer" -> Kind.INTEGER;
      case "number" -> Kind.NUMBER;
      case "boolean" -> Kind.BOOLEAN;
      default -> Kind.ANY;
    };
  }

  /** A protobuf message in the proto3 JSON mapping (JSON names; every field present). */
  static Shape of(Descriptor message) {
    return of(message, 0);
  }

  private static Shape of(Descriptor message, int depth) {
    if (depth > MAX_DEPTH) return ANY;
    switch (message.getFullName()) {
      case "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.Any", "google.protobuf.ListValue" -> {
        return ANY;
      }
      case "google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask" -> {
        return new Shape(Kind.STRING, Map.of(), false, null);
      }
      default -> { }
    }
    Map<String, Shape> props = new LinkedHashMap<>();
    for (FieldDescriptor f : message.getFields()) {
      Shape one = f.isMapField() ? new Shape(Kind.OBJECT, Map.of(), true, null) : scalar(f, depth);
      props.put(f.getJsonName(), f.isRepeated() && !f.isMapField() ? new Shape(Kind.ARRAY, Map.of(), false, one) : one);
    }
    return new Shape(Kind.OBJECT, Map.copyOf(props), false, null);
  }

  private static Shape scalar(FieldDescriptor f, int depth) {
    Kind k = switch (f.getJavaType()) {
      case INT -> Kind.INTEGER;
      // 64-bit integers are JSON strings in the proto3 mapping; either is accepted where they are read.
      case LONG -> Kind.ANY;
      case FLOAT, DOUBLE -> Kind.NUMBER;
      case BOOLEAN -> Kind.BOOLEAN;
      case STRING, BYTE_STRING, ENUM -> Kind.STRING;
      case MESSAGE -> null;
    };
    return k == null ? of(f.getMessageType(), depth + 1) : k == Kind.ANY ? ANY : new Shape(k, Map.of(), false, null);
  }
}
