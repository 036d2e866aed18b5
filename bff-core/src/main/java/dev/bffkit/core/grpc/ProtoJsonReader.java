package dev.bffkit.core.grpc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import java.io.IOException;
import java.math.BigInteger;

/**
 * Reads a request's proto3 JSON into a message for the common, canonical case, and says when it
 * cannot so that {@link com.google.protobuf.util.JsonFormat} does it instead. A screen renders
 * each {@code @grpc} request as JSON text; JsonFormat parses that through a gson tree and was
 * the biggest single allocation of a screen with two gRPC fields.
 *
 * <p>Exactly JsonFormat's result, or none: every value this reader takes, JsonFormat reads the
 * same way. Whatever JsonFormat would treat specially or refuse (well-known types, map fields,
 * a field set twice, an unknown field, a number where a string is expected, a fraction in an
 * integer, a value out of range, null) makes {@link #read} return null, and the caller falls back
 * to JsonFormat, which then accepts it in its own way or names the error. Tested against
 * JsonFormat on both accepted and fallen-back inputs ({@code ProtoJsonReaderTest}).
 */
final class ProtoJsonReader {
  private static final JsonFactory JSON = new JsonFactory();
  private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private ProtoJsonReader() {}

  /** The message, or null when JsonFormat must read this input. */
  static DynamicMessage read(Descriptor type, String json) {
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return null;
      DynamicMessage m = message(p, type);
      return m != null && p.nextToken() == null ? m : null;
    } catch (IOException | RuntimeException e) {
      return null; // malformed or unusual: JsonFormat has the final word, and the error message
    }
  }

  /** At START_OBJECT; returns at its END_OBJECT. */
  private static DynamicMessage message(JsonParser p, Descriptor type) throws IOException {
    if (type.getFile().getPackage().equals("google.protobuf")) return null; // well-known types
    DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
    long seen = 0; // fields set so far, by index: JsonFormat refuses a field set twice
    for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
      FieldDescriptor f = field(type, name);
      if (f == null || f.isMapField() || f.getContainingOneof() != null || f.getIndex() >= 64) return null;
      long bit = 1L << f.getIndex();
      if ((seen & bit) != 0) return null;
      seen |= bit;
      JsonToken t = p.nextToken();
      if (f.isRepeated()) {
        if (t != JsonToken.START_ARRAY) return null;
        for (JsonToken it = p.nextToken(); it != JsonToken.END_ARRAY; it = p.nextToken()) {
          Object v = value(p, it, f);
          if (v == null) return null;
          b.addRepeatedField(f, v);
        }
      } else {
        Object v = value(p, t, f);
        if (v == null) return null;
        b.setField(f, v);
      }
    }
    return b.build();
  }

  /** By JSON name, then by proto name, as JsonFormat looks fields up. */
  private static FieldDescriptor field(Descriptor type, String name) {
    for (FieldDescriptor f : type.getFields()) if (f.getJsonName().equals(name)) return f;
    return type.findFieldByName(name);
  }

  /** One value of field {@code f}'s type, or null to fall back. */
  private static Object value(JsonParser p, JsonToken t, FieldDescriptor f) throws IOException {
    switch (f.getJavaType()) {
      case STRING:
        return t == JsonToken.VALUE_STRING ? p.getText() : null;
      case BOOLEAN:
        return t == JsonToken.VALUE_TRUE ? Boolean.TRUE : t == JsonToken.VALUE_FALSE ? Boolean.FALSE : null;
      case INT:
        if (t != JsonToken.VALUE_NUMBER_INT) return null;
        return int32(p.getBigIntegerValue(), f.getType() == FieldDescriptor.Type.UINT32
            || f.getType() == FieldDescriptor.Type.FIXED32);
      case LONG: {
        BigInteger v;
        if (t == JsonToken.VALUE_NUMBER_INT) v = p.getBigIntegerValue();
        else if (t == JsonToken.VALUE_STRING && digits(p.getText())) v = new BigInteger(p.getText());
        else return null;
        return int64(v, f.getType() == FieldDescriptor.Type.UINT64 || f.getType() == FieldDescriptor.Type.FIXED64);
      }
      case DOUBLE:
        return t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT ? finite(p.getDoubleValue()) : null;
      case FLOAT: {
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) return null;
        double d = p.getDoubleValue();
        return Double.isFinite(d) && Math.abs(d) <= Float.MAX_VALUE ? (Object) (float) d : null;
      }
      case ENUM: {
        if (t != JsonToken.VALUE_STRING || f.getEnumType().getFullName().equals("google.protobuf.NullValue")) return null;
        return f.getEnumType().findValueByName(p.getText()); // null (unknown name): JsonFormat's error
      }
      case MESSAGE:
        return t == JsonToken.START_OBJECT ? message(p, f.getMessageType()) : null;
      default:
        return null; // bytes (base64 variants), and anything new
    }
  }

  private static boolean digits(String s) {
    int start = s.startsWith("-") ? 1 : 0;
    if (s.length() == start || s.length() > 21) return false;
    for (int i = start; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
    return true;
  }

  private static Object int32(BigInteger v, boolean unsigned) {
    if (unsigned) return v.signum() >= 0 && v.bitLength() <= 32 ? (Object) v.intValue() : null;
    return v.bitLength() <= 31 ? (Object) v.intValue() : null;
  }

  private static Object int64(BigInteger v, boolean unsigned) {
    if (unsigned) return v.signum() >= 0 && v.compareTo(UINT64_MAX) <= 0 ? (Object) v.longValue() : null;
    return v.bitLength() <= 63 ? (Object) v.longValue() : null;
  }

  private static Object finite(double d) {
    return Double.isFinite(d) ? d : null;
  }
}
