package dev.bffkit.core.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.bffkit.core.internal.JsonMap;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A protobuf message as plain Java values (Map, List, String, Number, Boolean, null), exactly as
 * {@link JsonFormat} with {@code alwaysPrintFieldsWithNoPresence} would print it and a JSON
 * parser would read it back: lowerCamelCase names, 64-bit integers as strings, enums by name,
 * bytes in base64, fields without presence at their defaults.
 *
 * <p>Why: printing JSON text only to parse it again cost more than the rest of a screen's
 * composition (JMH {@code GrpcJsonBench}); this walks the message once. Well-known types
 * ({@code google.protobuf.*}: Timestamp, Duration, Struct, wrappers, Any…) have special JSON
 * forms; they are rare in BFF payloads and go through {@link JsonFormat} itself.
 */
final class ProtoValues {
  private final JsonFormat.Printer printer;
  private final Function<String, Object> parseJson;

  /** {@code parseJson} reads JsonFormat's text for well-known types into the same plain values. */
  ProtoValues(JsonFormat.Printer printer, Function<String, Object> parseJson) {
    this.printer = printer;
    this.parseJson = parseJson;
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();

  static Object parseJson(String json) {
    try {
      return MAPPER.readValue(json, Object.class);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("JsonFormat printed unreadable JSON", e);
    }
  }

  Object message(Message m) throws InvalidProtocolBufferException {
    Descriptor d = m.getDescriptorForType();
    if (d.getFile().getPackage().equals("google.protobuf")) return parseJson.apply(printer.print(m));
    Map<String, Object> out = new JsonMap(d.getFields().size());
    for (FieldDescriptor f : d.getFields()) {
      boolean present = f.isRepeated() ? m.getRepeatedFieldCount(f) > 0 : m.hasField(f);
      if (!present && f.hasPresence()) continue; // absent optional, message or oneof member
      out.put(f.getJsonName(), field(m, f));
    }
    return out;
  }

  private Object field(Message m, FieldDescriptor f) throws InvalidProtocolBufferException {
    if (f.isMapField()) {
      int n = m.getRepeatedFieldCount(f);
      // Entries are MapEntry in generated code and DynamicMessage in dynamic code: read both as messages.
      FieldDescriptor keyField = f.getMessageType().findFieldByName("key");
      FieldDescriptor valueField = f.getMessageType().findFieldByName("value");
      Map<String, Object> out = new LinkedHashMap<>(n * 2);
      for (int i = 0; i < n; i++) {
        Message e = (Message) m.getRepeatedField(f, i);
        out.put(String.valueOf(e.getField(keyField)), single(valueField, e.getField(valueField)));
      }
      return out;
    }
    if (f.isRepeated()) {
      int n = m.getRepeatedFieldCount(f);
      List<Object> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) out.add(single(f, m.getRepeatedField(f, i)));
      return out;
    }
    return single(f, m.getField(f));
  }

  private Object single(FieldDescriptor f, Object v) throws InvalidProtocolBufferException {
    return switch (f.getJavaType()) {
      case INT -> unsigned32(f) ? integral(Integer.toUnsignedLong((Integer) v)) : v;
      case LONG -> unsigned64(f) ? Long.toUnsignedString((Long) v) : v.toString();
      case FLOAT -> floating(Double.parseDouble(Float.toString((Float) v)));
      case DOUBLE -> floating((Double) v);
      case BOOLEAN, STRING -> v;
      case BYTE_STRING -> Base64.getEncoder().encodeToString(((ByteString) v).toByteArray());
      case ENUM -> enumValue((EnumValueDescriptor) v);
      case MESSAGE -> message((Message) v);
    };
  }

  private static boolean unsigned32(FieldDescriptor f) {
    return f.getType() == FieldDescriptor.Type.UINT32 || f.getType() == FieldDescriptor.Type.FIXED32;
  }

  private static boolean unsigned64(FieldDescriptor f) {
    return f.getType() == FieldDescriptor.Type.UINT64 || f.getType() == FieldDescriptor.Type.FIXED64;
  }

  /** As a JSON parser reads a number: Integer when it fits, else Long. */
  private static Object integral(long n) {
    return n == (int) n ? (Object) (int) n : (Object) n;
  }

  /** JSON has no NaN or infinities: proto3 JSON spells them as strings. */
  private static Object floating(double d) {
    if (Double.isNaN(d)) return "NaN";
    if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
    return d;
  }

  private static Object enumValue(EnumValueDescriptor v) {
    if (v.getType().getFullName().equals("google.protobuf.NullValue")) return null;
    // An unknown number (from a newer server) has no name: JsonFormat prints the number.
    return v.getIndex() < 0 ? (Object) v.getNumber() : v.getName();
  }
}
