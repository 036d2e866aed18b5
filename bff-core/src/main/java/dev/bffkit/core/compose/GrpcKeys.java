package dev.bffkit.core.compose;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.bffkit.core.grpc.GrpcMethod;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The repeated field a gRPC batch request carries its keys in, checked against the descriptors
 * at start-up: string keys go in as they are, integer keys in canonical decimal (proto3 JSON takes
 * strings for every integer type, so 64-bit keys never pass through a double). A key that is not
 * an integer in the field's range can match nothing: it is left out of the call and reads null,
 * as a key the service does not know.
 */
final class GrpcKeys {
  /** Stands for the keys while the request template is checked; no real key looks like it. */
  private static final String PROBE = "\u0001keys\u0001";
  private static final BigInteger U32 = BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE);
  private static final BigInteger U64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private final boolean integer;
  private final BigInteger min;
  private final BigInteger max;
  private final String field;

  private GrpcKeys(FieldDescriptor f) {
    this.field = f.getFullName();
    this.integer = f.getJavaType() == FieldDescriptor.JavaType.INT || f.getJavaType() == FieldDescriptor.JavaType.LONG;
    boolean unsigned = switch (f.getType()) {
      case UINT32, FIXED32, UINT64, FIXED64 -> true;
      default -> false;
    };
    boolean wide = f.getJavaType() == FieldDescriptor.JavaType.LONG;
    this.min = unsigned ? BigInteger.ZERO : BigInteger.valueOf(wide ? Long.MIN_VALUE : Integer.MIN_VALUE);
    this.max = unsigned ? (wide ? U64 : U32) : BigInteger.valueOf(wide ? Long.MAX_VALUE : Integer.MAX_VALUE);
  }

  /**
   * The keys field of {@code method}'s request where {@code request} puts {@code {keys}}:
   * reached through singular message fields, repeated, of a string or integer type.
   */
  static GrpcKeys of(GrpcMethod method, JsonTemplate request) {
    long n = request.refs().stream().filter(r -> r.root() == Template.Root.KEYS).count();
    if (n != 1) {
      throw new IllegalArgumentException("batch request must contain {keys} exactly once, as the value of a repeated"
          + " field, e.g. \"{\\\"ids\\\": {keys}}\"");
    }
    Object probe;
    try {
      probe = Json.parse(request.render(ref -> ref.root() == Template.Root.KEYS ? List.of(PROBE) : null).toString());
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("batch request is not a JSON template");
    }
    List<String> path = new ArrayList<>();
    if (!find(probe, path)) {
      throw new IllegalArgumentException("batch request: write {keys} as a field's whole value, e.g."
          + " \"{\\\"ids\\\": {keys}}\" (not inside a list)");
    }
    Descriptor d = method.input();
    FieldDescriptor f = null;
    for (int i = 0; i < path.size(); i++) {
      if (f != null) {
        if (f.isRepeated() || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
          throw new IllegalArgumentException("batch request: " + f.getName() + " is not a message field");
        }
        d = f.getMessageType();
      }
      f = field(d, path.get(i), "batch request");
    }
    if (f == null || !f.isRepeated() || f.isMapField()) {
      throw new IllegalArgumentException("batch request: {keys} must fill a repeated field; "
          + (f == null ? "it is the whole message" : f.getFullName() + " is not repeated"));
    }
    GrpcKeys keys = new GrpcKeys(f);
    if (!keys.integer && f.getJavaType() != FieldDescriptor.JavaType.STRING) {
      throw new IllegalArgumentException("batch request: keys go in " + f.getFullName() + ", a repeated "
          + f.getType().name().toLowerCase() + "; keys must be strings or integers");
    }
    try { // the whole template, with a key, must fit the message
      method.requestFromJson(request.render(ref -> ref.root() == Template.Root.KEYS ? List.of(keys.integer ? "1" : "k")
          : null).toString());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("batch request does not fit " + method.input().getFullName() + ": "
          + e.getMessage());
    }
    return keys;
  }

  /**
   * Checks that {@code select} leads from {@code method}'s answer to a repeated message field and
   * that its items have a {@code key} field of the keys' kind.
   */
  void checkAnswer(GrpcMethod method, Selector select, String key) {
    if (select.isIdentity()) {
      throw new IllegalArgumentException("batch needs select: the repeated field of " + method.output().getFullName()
          + " that lists the items, e.g. select: \"items\"");
    }
    Descriptor d = method.output();
    FieldDescriptor f = null;
    for (String seg : select.text().split("\\.")) {
      if (f != null) {
        if (f.isRepeated() || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
          throw new IllegalArgumentException("batch select '" + select.text() + "': " + f.getName()
              + " is not a message field");
        }
        d = f.getMessageType();
      }
      f = jsonField(d, seg, "batch select '" + select.text() + "'");
    }
    if (!f.isRepeated() || f.isMapField() || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      throw new IllegalArgumentException("batch select '" + select.text() + "' must name a repeated message field; "
          + f.getFullName() + " is not one");
    }
    FieldDescriptor k = jsonField(f.getMessageType(), key, "batch key");
    boolean kInteger = k.getJavaType() == FieldDescriptor.JavaType.INT || k.getJavaType() == FieldDescriptor.JavaType.LONG;
    if (k.isRepeated() || !(kInteger || k.getJavaType() == FieldDescriptor.JavaType.STRING) || kInteger != integer) {
      throw new IllegalArgumentException("batch key '" + key + "' (" + (k.isRepeated() ? "repeated " : "")
          + k.getType().name().toLowerCase() + " " + k.getFullName() + ") cannot match keys sent as "
          + (integer ? "integers" : "strings") + " in " + field + "; key and keys must both be strings or both integers");
    }
  }

  /** The key as sent (and as the answer spells it), or null when it cannot match anything. */
  String canonical(String key) {
    if (!integer) return key;
    try {
      BigInteger v = new BigInteger(key);
      return v.compareTo(min) < 0 || v.compareTo(max) > 0 ? null : v.toString();
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static boolean find(Object v, List<String> path) {
    if (v instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        path.add(String.valueOf(e.getKey()));
        if (e.getValue() instanceof List<?> l && l.size() == 1 && PROBE.equals(l.get(0))) return true;
        if (find(e.getValue(), path)) return true;
        path.remove(path.size() - 1);
      }
    }
    return false;
  }

  /** A field by its JSON or proto name (the request parser takes both). */
  private static FieldDescriptor field(Descriptor d, String name, String what) {
    FieldDescriptor f = d.findFieldByName(name);
    if (f == null) for (FieldDescriptor each : d.getFields()) if (each.getJsonName().equals(name)) f = each;
    if (f == null) throw new IllegalArgumentException(what + ": " + d.getFullName() + " has no field '" + name + "'; it has: "
        + String.join(", ", d.getFields().stream().map(FieldDescriptor::getJsonName).toList()));
    return f;
  }

  /** A field by its JSON name, as answers are read (lowerCamelCase). */
  static FieldDescriptor jsonField(Descriptor d, String name, String what) {
    for (FieldDescriptor each : d.getFields()) if (each.getJsonName().equals(name)) return each;
    FieldDescriptor byProto = d.findFieldByName(name);
    throw new IllegalArgumentException(what + ": " + d.getFullName() + " has no field '" + name + "'"
        + (byProto != null ? "; answers use JSON names: write '" + byProto.getJsonName() + "'"
            : "; it has: " + String.join(", ", d.getFields().stream().map(FieldDescriptor::getJsonName).toList())));
  }
}
