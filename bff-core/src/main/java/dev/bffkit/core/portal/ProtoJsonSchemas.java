package dev.bffkit.core.portal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON Schemas of protobuf messages in their proto3 JSON form (the mapping of
 * https://protobuf.dev/programming-guides/json/, which transcoding reads and writes): 64-bit integers as strings
 * (numbers accepted on input), enums by name, bytes as base64, the well-known types as their special forms. Each
 * message is one component under {@code #/components/schemas/<full.name>}, so recursive messages stay finite.
 */
final class ProtoJsonSchemas {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  static final String REF = "#/components/schemas/";

  /** Full name → schema of every message referenced so far. */
  private final Map<String, ObjectNode> components = new TreeMap<>();

  /** A reference to the message's component, adding it (and what it uses) on first use. */
  ObjectNode ref(Descriptor message) {
    ObjectNode wellKnown = wellKnown(message.getFullName());
    if (wellKnown != null) return wellKnown;
    if (!components.containsKey(message.getFullName())) {
      ObjectNode s = F.objectNode().put("type", "object");
      components.put(message.getFullName(), s); // before the fields: a recursive field finds it
      ObjectNode props = s.putObject("properties");
      for (FieldDescriptor f : message.getFields()) props.set(f.getJsonName(), field(f));
    }
    return F.objectNode().put("$ref", REF + message.getFullName());
  }

  /** The schema of a (possibly repeated or map) field. */
  ObjectNode field(FieldDescriptor f) {
    if (f.isMapField()) {
      Descriptor entry = f.getMessageType();
      ObjectNode s = F.objectNode().put("type", "object");
      s.set("additionalProperties", single(entry.findFieldByName("value")));
      return s;
    }
    if (f.isRepeated()) {
      ObjectNode s = F.objectNode().put("type", "array");
      s.set("items", single(f));
      return s;
    }
    return single(f);
  }

  private ObjectNode single(FieldDescriptor f) {
    return switch (f.getJavaType()) {
      case INT -> f.getType() == FieldDescriptor.Type.UINT32 || f.getType() == FieldDescriptor.Type.FIXED32
          ? F.objectNode().put("type", "integer").put("format", "int64").put("minimum", 0)
          : F.objectNode().put("type", "integer").put("format", "int32");
      case LONG -> {
        // proto3 JSON prints 64-bit integers as strings and reads either form.
        ObjectNode s = F.objectNode();
        s.putArray("type").add("string").add("integer");
        yield s.put("format", "int64");
      }
      case FLOAT, DOUBLE -> F.objectNode().put("type", "number");
      case BOOLEAN -> F.objectNode().put("type", "boolean");
      case STRING -> F.objectNode().put("type", "string");
      case BYTE_STRING -> F.objectNode().put("type", "string").put("contentEncoding", "base64");
      case ENUM -> {
        ObjectNode s = F.objectNode().put("type", "string");
        ArrayNode values = s.putArray("enum");
        for (EnumValueDescriptor v : f.getEnumType().getValues()) values.add(v.getName());
        yield s;
      }
      case MESSAGE -> ref(f.getMessageType());
    };
  }

  /** The well-known types' JSON forms, or null for any other message. */
  private static ObjectNode wellKnown(String fullName) {
    return switch (fullName) {
      case "google.protobuf.Timestamp" -> F.objectNode().put("type", "string").put("format", "date-time");
      case "google.protobuf.Duration" -> F.objectNode().put("type", "string").put("pattern", "^-?[0-9]+(\\.[0-9]+)?s$");
      case "google.protobuf.FieldMask" -> F.objectNode().put("type", "string");
      case "google.protobuf.Struct", "google.protobuf.Empty" -> F.objectNode().put("type", "object");
      case "google.protobuf.ListValue" -> F.objectNode().put("type", "array");
      case "google.protobuf.Value" -> F.objectNode();
      case "google.protobuf.Any" -> {
        ObjectNode s = F.objectNode().put("type", "object");
        s.putObject("properties").putObject("@type").put("type", "string");
        yield s;
      }
      case "google.protobuf.Int32Value", "google.protobuf.UInt32Value" -> F.objectNode().put("type", "integer");
      case "google.protobuf.Int64Value", "google.protobuf.UInt64Value" -> {
        ObjectNode s = F.objectNode();
        s.putArray("type").add("string").add("integer");
        yield s.put("format", "int64");
      }
      case "google.protobuf.FloatValue", "google.protobuf.DoubleValue" -> F.objectNode().put("type", "number");
      case "google.protobuf.BoolValue" -> F.objectNode().put("type", "boolean");
      case "google.protobuf.StringValue" -> F.objectNode().put("type", "string");
      case "google.protobuf.BytesValue" -> F.objectNode().put("type", "string").put("contentEncoding", "base64");
      default -> null;
    };
  }

  /** Every message schema referenced, by full name. */
  Map<String, ObjectNode> components() {
    return components;
  }
}
