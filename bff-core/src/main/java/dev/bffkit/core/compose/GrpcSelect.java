package dev.bffkit.core.compose;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.bffkit.core.grpc.GrpcMethod;

/**
 * Start-up check of a {@code @grpc(select:)} path against the method's response message: every
 * segment must name a field (by its JSON name, as answers spell them), a list index after a
 * repeated field, or a key after a map field. A select that names nothing would read null for
 * every call, so it stops the start instead. Well-known types (Struct, Value, Any, ...) hold
 * free-form JSON: the path is not followed into them.
 */
final class GrpcSelect {
  private GrpcSelect() {}

  /** Throws IllegalArgumentException (the caller adds file:line) when the path names no field. */
  static void check(GrpcMethod method, Selector select) {
    if (select.isIdentity()) return;
    String what = "select '" + select.text() + "'";
    Descriptor message = method.output(); // the message whose field the next segment names; null after a scalar
    FieldDescriptor element = null; // a repeated or map field whose element the next segment picks
    FieldDescriptor last = null;
    for (String seg : select.text().split("\\.")) {
      if (element != null) {
        if (element.isMapField()) {
          last = element.getMessageType().findFieldByName("value");
        } else if (!isIndex(seg)) {
          throw new IllegalArgumentException(what + ": " + element.getFullName() + " is a list; '" + seg
              + "' is not an index");
        } else {
          last = element;
        }
        message = messageOf(last);
        element = null;
        continue;
      }
      if (message == null) {
        throw new IllegalArgumentException(what + ": " + last.getFullName() + " is not a message; it has no field '"
            + seg + "'");
      }
      if (message.getFullName().startsWith("google.protobuf.")) return; // free-form JSON from here on
      last = GrpcKeys.jsonField(message, seg, what);
      if (last.isRepeated()) {
        element = last;
        message = null;
      } else {
        message = messageOf(last);
      }
    }
  }

  private static Descriptor messageOf(FieldDescriptor f) {
    return f.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? f.getMessageType() : null;
  }

  private static boolean isIndex(String seg) {
    if (seg.length() > 9) return false;
    for (int i = 0; i < seg.length(); i++) {
      if (seg.charAt(i) < '0' || seg.charAt(i) > '9') return false;
    }
    return true;
  }
}
