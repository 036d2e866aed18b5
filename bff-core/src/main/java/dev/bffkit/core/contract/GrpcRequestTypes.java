package dev.bffkit.core.contract;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.bffkit.core.compose.JsonTemplate;
import dev.bffkit.core.compose.Template;
import graphql.language.FieldDefinition;
import graphql.language.InputValueDefinition;
import graphql.language.ListType;
import graphql.language.NonNullType;
import graphql.language.Type;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A {@code @grpc} request template's values against the request message's field types: {@code {"limit":
 * {args.limit}}} needs an Int argument where {@code limit} is an int32, a list where the field is repeated. Start-up
 * only checks the field names (the template rendered with nulls fits the message); this checks what each argument
 * or parent field ({@code {source.x}}) the template sends would put there. Values it cannot type (context, headers,
 * custom scalars, enums, input objects) are accepted: the check names mismatches it is sure of.
 */
final class GrpcRequestTypes {
  private static final Set<String> BUILT_IN = Set.of("Int", "Float", "String", "Boolean", "ID");
  /** A marker no argument value can collide with: the template is rendered with one per reference, then walked. */
  private static final String MARK = "\u0001ref:";

  private final SchemaBindings.Field field;
  private final Map<String, SchemaBindings.Field> parent;
  private final List<Template.Ref> refs;
  private final List<String> problems = new ArrayList<>();

  private GrpcRequestTypes(SchemaBindings.Field field, Map<String, SchemaBindings.Field> parent, List<Template.Ref> refs) {
    this.field = field;
    this.parent = parent;
    this.refs = refs;
  }

  /** What does not fit, one message per value; empty when all fit or the template does not compile (start-up names it). */
  static List<String> check(SchemaBindings.Field field, String request, Descriptor input, Map<String, SchemaBindings.Field> parent) {
    JsonTemplate template;
    try {
      template = JsonTemplate.compile(request, Template.FIELD_ROOTS);
    } catch (IllegalArgumentException e) {
      return List.of();
    }
    GrpcRequestTypes check = new GrpcRequestTypes(field, parent, template.refs());
    Map<Template.Ref, Integer> index = new IdentityHashMap<>();
    for (Template.Ref r : template.refs()) index.put(r, index.size());
    Object json;
    try {
      json = new JsonArray("[" + template.render(r -> MARK + index.get(r)) + "]").getValue(0);
    } catch (DecodeException e) {
      return List.of();
    }
    if (json instanceof JsonObject o) check.message(o, input, "");
    return check.problems;
  }

  private void message(JsonObject json, Descriptor message, String prefix) {
    for (String key : json.fieldNames()) {
      FieldDescriptor fd = fieldNamed(message, key);
      if (fd == null) continue; // start-up names an unknown field
      Object v = json.getValue(key);
      String where = prefix + key;
      if (v instanceof JsonObject o && fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !fd.isRepeated()) {
        message(o, fd.getMessageType(), where + ".");
      } else if (v instanceof JsonArray a && fd.isRepeated()) {
        for (Object item : a) if (ref(item) != null) value(ref(item), fd, false, where + "[]", message);
      } else if (ref(v) != null) {
        value(ref(v), fd, fd.isRepeated(), where, message);
      }
    }
  }

  private Template.Ref ref(Object v) {
    return v instanceof String s && s.startsWith(MARK) ? refs.get(Integer.parseInt(s.substring(MARK.length()))) : null;
  }

  private static FieldDescriptor fieldNamed(Descriptor message, String key) {
    FieldDescriptor fd = message.findFieldByName(key);
    if (fd != null) return fd;
    for (FieldDescriptor f : message.getFields()) if (f.getJsonName().equals(key)) return f;
    return null;
  }

  /** One reference sent whole into {@code fd} ({@code repeated}: the whole list, else one value). */
  private void value(Template.Ref ref, FieldDescriptor fd, boolean repeated, String where, Descriptor message) {
    Type<?> type = graphqlType(ref);
    if (type == null) return;
    Type<?> bare = type instanceof NonNullType nn ? nn.getType() : type;
    boolean list = bare instanceof ListType;
    String named = SchemaBindings.named(type);
    String why = null;
    if (list != repeated) {
      why = repeated ? "a repeated field needs a list" : "a single field cannot take a list";
    } else if (!list && BUILT_IN.contains(named) && !fits(named, fd)) {
      why = "it needs " + wants(fd);
    } else if (list && BUILT_IN.contains(named) && !fits(named, fd)) {
      why = "its items need " + wants(fd);
    }
    if (why != null) {
      String kind = fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? fd.getMessageType().getFullName()
          : fd.getType().name().toLowerCase(Locale.ROOT);
      problems.add("request field '" + where + "' (" + (fd.isRepeated() ? "repeated " : "") + kind + " in "
          + message.getFullName() + ") gets " + ref.text() + ", a " + typeText(type) + "; " + why + "; fix the "
          + (ref.root() == Template.Root.ARGS ? "argument's type" : "parent field's type") + " or the request");
    }
  }

  /** The GraphQL type of an {@code {args.x}} or a declared parent field {@code {source.x}} read whole; null otherwise. */
  private Type<?> graphqlType(Template.Ref ref) {
    if (!ref.text().equals("{" + rootName(ref) + "." + ref.name() + "}")) return null; // a path into the value
    if (ref.root() == Template.Root.ARGS) {
      FieldDefinition def = field.def();
      for (InputValueDefinition a : def.getInputValueDefinitions()) if (a.getName().equals(ref.name())) return a.getType();
      return null;
    }
    if (ref.root() == Template.Root.SOURCE && parent != null) {
      SchemaBindings.Field p = parent.get(ref.name());
      return p == null || p.mapFrom() != null ? null : p.def().getType();
    }
    return null;
  }

  private static String rootName(Template.Ref ref) {
    return ref.root() == Template.Root.ARGS ? "args" : ref.root() == Template.Root.SOURCE ? "source" : "";
  }

  /** The proto3 JSON mapping: what a GraphQL scalar renders as, and whether the field's parser takes it. */
  private static boolean fits(String graphql, FieldDescriptor fd) {
    return switch (fd.getJavaType()) {
      case INT, LONG -> graphql.equals("Int") || graphql.equals("ID"); // IDs are numeric strings, accepted for integers
      case FLOAT, DOUBLE -> graphql.equals("Int") || graphql.equals("Float");
      case BOOLEAN -> graphql.equals("Boolean");
      case STRING, BYTE_STRING -> true; // every scalar renders as text or a number the parser reads as text
      case ENUM -> graphql.equals("String") || graphql.equals("ID") || graphql.equals("Int");
      case MESSAGE -> fd.getMessageType().getFullName().startsWith("google.protobuf."); // wrappers, timestamps
    };
  }

  private static String wants(FieldDescriptor fd) {
    return switch (fd.getJavaType()) {
      case INT, LONG -> "Int (or ID)";
      case FLOAT, DOUBLE -> "Float or Int";
      case BOOLEAN -> "Boolean";
      case ENUM -> "a String or enum";
      case MESSAGE -> "an input object or JSON";
      default -> "a scalar";
    };
  }

  private static String typeText(Type<?> t) {
    if (t instanceof NonNullType nn) return typeText(nn.getType()) + "!";
    if (t instanceof ListType l) return "[" + typeText(l.getType()) + "]";
    return SchemaBindings.named(t);
  }
}
