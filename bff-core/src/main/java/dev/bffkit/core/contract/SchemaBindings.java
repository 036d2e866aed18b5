package dev.bffkit.core.contract;

import dev.bffkit.core.compose.JsonTemplate;
import dev.bffkit.core.compose.Template;
import graphql.language.Argument;
import graphql.language.Directive;
import graphql.language.FieldDefinition;
import graphql.language.ListType;
import graphql.language.NonNullType;
import graphql.language.ObjectField;
import graphql.language.ObjectTypeDefinition;
import graphql.language.ObjectValue;
import graphql.language.SourceLocation;
import graphql.language.StringValue;
import graphql.language.Type;
import graphql.language.TypeName;
import graphql.language.Value;
import graphql.schema.idl.TypeDefinitionRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The composition schema's fields as the contract checks see them, read from the SDL's directives: which call a
 * field makes ({@code @rest}, {@code @grpc}), what it selects, which parent values it reads ({@code {source.x}}) and
 * where ({@code @map(from)}). The engine compiles the same directives for serving; this is a read-only view with the
 * lines, for messages.
 */
final class SchemaBindings {
  /** One field of an object type. */
  record Field(String type, String name, FieldDefinition def, int line, Directive rest, Directive grpc, String mapFrom) {
    boolean fetches() {
      return rest != null || grpc != null;
    }

    Directive call() {
      return rest != null ? rest : grpc;
    }

    /** {@code Type.field}. */
    String where() {
      return type + "." + name;
    }

    /** The named type under lists and non-nulls. */
    String returns() {
      return named(def.getType());
    }

    boolean returnsList() {
      Type<?> t = def.getType();
      if (t instanceof NonNullType nn) t = nn.getType();
      return t instanceof ListType;
    }

    String arg(String name) {
      return string(call(), name);
    }

    /** The {@code batch:} object's string field, or null. */
    String batch(String name) {
      Argument a = call().getArgument("batch");
      if (a == null || !(a.getValue() instanceof ObjectValue ov)) return null;
      for (ObjectField f : ov.getObjectFields()) {
        if (f.getName().equals(name) && f.getValue() instanceof StringValue s) return s.getValue();
      }
      return null;
    }

    /** Every {@code {source.x}} this field's call reads from its parent (path, body or request; not a batch's). */
    List<Template.Ref> sourceRefs() {
      List<Template.Ref> refs = new ArrayList<>();
      try {
        String path = arg("path");
        if (rest != null && path != null) refs.addAll(Template.compile(path, Template.FIELD_ROOTS).refs());
        String body = rest != null ? arg("body") : arg("request");
        if (body != null) refs.addAll(JsonTemplate.compile(body, Template.FIELD_ROOTS).refs());
      } catch (IllegalArgumentException e) {
        return List.of(); // the start-up check reports the template itself
      }
      return refs.stream().filter(r -> r.root() == Template.Root.SOURCE).toList();
    }
  }

  private final Map<String, Map<String, Field>> byType = new LinkedHashMap<>();

  SchemaBindings(TypeDefinitionRegistry registry) {
    List<ObjectTypeDefinition> types = new ArrayList<>(registry.getTypes(ObjectTypeDefinition.class));
    registry.objectTypeExtensions().values().forEach(types::addAll);
    for (ObjectTypeDefinition t : types) {
      Map<String, Field> fields = byType.computeIfAbsent(t.getName(), k -> new LinkedHashMap<>());
      for (FieldDefinition f : t.getFieldDefinitions()) {
        Directive rest = f.getDirectives("rest").stream().findFirst().orElse(null);
        Directive grpc = f.getDirectives("grpc").stream().findFirst().orElse(null);
        Directive map = f.getDirectives("map").stream().findFirst().orElse(null);
        // The field's own line, as the start-up errors name it (its directives may follow on later lines).
        SourceLocation loc = f.getSourceLocation();
        int line = loc == null ? 0 : loc.getLine();
        fields.put(f.getName(), new Field(t.getName(), f.getName(), f, line, rest, grpc, map == null ? null : string(map, "from")));
      }
    }
  }

  /** The object types and their fields, in schema order. */
  Map<String, Map<String, Field>> types() {
    return byType;
  }

  Field field(String type, String name) {
    Map<String, Field> fields = byType.get(type);
    return fields == null ? null : fields.get(name);
  }

  boolean isObjectType(String name) {
    return byType.containsKey(name);
  }

  static String named(Type<?> t) {
    while (!(t instanceof TypeName)) {
      t = t instanceof NonNullType nn ? nn.getType() : ((ListType) t).getType();
    }
    return ((TypeName) t).getName();
  }

  private static String string(Directive d, String arg) {
    Argument a = d.getArgument(arg);
    Value<?> v = a == null ? null : a.getValue();
    return v instanceof StringValue s ? s.getValue() : null;
  }
}
