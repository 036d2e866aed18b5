package dev.bffkit.core.portal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import graphql.Directives;
import graphql.introspection.Introspection;
import graphql.language.ArrayValue;
import graphql.language.BooleanValue;
import graphql.language.Directive;
import graphql.language.Document;
import graphql.language.EnumValue;
import graphql.language.Field;
import graphql.language.FloatValue;
import graphql.language.FragmentDefinition;
import graphql.language.FragmentSpread;
import graphql.language.InlineFragment;
import graphql.language.IntValue;
import graphql.language.ListType;
import graphql.language.NonNullType;
import graphql.language.ObjectField;
import graphql.language.ObjectValue;
import graphql.language.OperationDefinition;
import graphql.language.Selection;
import graphql.language.SelectionSet;
import graphql.language.StringValue;
import graphql.language.Type;
import graphql.language.TypeName;
import graphql.language.Value;
import graphql.schema.GraphQLEnumType;
import graphql.schema.GraphQLEnumValueDefinition;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLFieldsContainer;
import graphql.schema.GraphQLInputObjectField;
import graphql.schema.GraphQLInputObjectType;
import graphql.schema.GraphQLInputType;
import graphql.schema.GraphQLList;
import graphql.schema.GraphQLNamedType;
import graphql.schema.GraphQLNonNull;
import graphql.schema.GraphQLObjectType;
import graphql.schema.GraphQLOutputType;
import graphql.schema.GraphQLScalarType;
import graphql.schema.GraphQLSchema;
import graphql.schema.GraphQLType;
import graphql.schema.GraphQLUnionType;
import graphql.schema.GraphQLInterfaceType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON Schemas (2020-12, as OpenAPI 3.1 takes them) for GraphQL: the {@code data} of an operation from its selection
 * set and the schema's types, and a variable's type as a query parameter. Built once per document.
 *
 * <p>An answer's object has exactly its selection's response keys (aliases included): all required, none other
 * ({@code additionalProperties: false}), except a field under {@code @skip}/{@code @include}, which may be absent.
 * A nullable field allows {@code null}. On an interface or union the answer is any of its object types, each with
 * the fields of the fragments that apply to it, {@code __typename} a constant.
 */
final class GraphqlJsonSchemas {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final GraphQLSchema schema;
  private final Map<String, FragmentDefinition> fragments = new LinkedHashMap<>();

  private GraphqlJsonSchemas(GraphQLSchema schema, Document document) {
    this.schema = schema;
    for (var d : document.getDefinitions()) {
      if (d instanceof FragmentDefinition f) fragments.put(f.getName(), f);
    }
  }

  /** The schema of {@code data} for a query operation of {@code document}. */
  static ObjectNode data(GraphQLSchema schema, Document document, OperationDefinition operation) {
    return new GraphqlJsonSchemas(schema, document).object(schema.getQueryType(), operation.getSelectionSet());
  }

  // ---- output: the answer ----

  private ObjectNode output(GraphQLOutputType type, List<Field> fields) {
    boolean nullable = !(type instanceof GraphQLNonNull);
    GraphQLType inner = type instanceof GraphQLNonNull nn ? nn.getWrappedType() : type;
    ObjectNode s;
    if (inner instanceof GraphQLList list) {
      s = F.objectNode().put("type", "array");
      s.set("items", output((GraphQLOutputType) list.getWrappedType(), fields));
    } else if (inner instanceof GraphQLObjectType o) {
      s = object(o, merged(fields));
    } else if (inner instanceof GraphQLInterfaceType || inner instanceof GraphQLUnionType) {
      s = F.objectNode();
      // anyOf, not oneOf: members with the same selected fields (none, say) look alike without __typename.
      ArrayNode one = s.putArray("anyOf");
      for (GraphQLObjectType o : possible(inner)) one.add(object(o, merged(fields)));
    } else {
      s = leaf((GraphQLNamedType) inner);
    }
    return nullable ? nullable(s) : s;
  }

  private List<GraphQLObjectType> possible(GraphQLType abstractType) {
    if (abstractType instanceof GraphQLUnionType u) return u.getTypes().stream().map(GraphQLObjectType.class::cast).toList();
    return schema.getImplementations((GraphQLInterfaceType) abstractType);
  }

  /** The sub-selections of every field of one response key, as one selection set. */
  private static SelectionSet merged(List<Field> fields) {
    List<Selection> all = new ArrayList<>();
    for (Field f : fields) if (f.getSelectionSet() != null) all.addAll(f.getSelectionSet().getSelections());
    return SelectionSet.newSelectionSet(all).build();
  }

  /** An object type with the fields {@code selection} picks on it (fragments whose condition it satisfies). */
  private ObjectNode object(GraphQLObjectType type, SelectionSet selection) {
    Map<String, List<Field>> byKey = new LinkedHashMap<>();
    Map<String, Boolean> conditional = new LinkedHashMap<>();
    collect(type, selection, false, byKey, conditional);
    ObjectNode s = F.objectNode().put("type", "object");
    ObjectNode props = s.putObject("properties");
    ArrayNode required = F.arrayNode();
    for (Map.Entry<String, List<Field>> e : byKey.entrySet()) {
      Field first = e.getValue().get(0);
      ObjectNode p;
      if (first.getName().equals(Introspection.TypeNameMetaFieldDef.getName())) {
        p = F.objectNode().put("type", "string").put("const", type.getName());
      } else {
        GraphQLFieldDefinition def = type.getFieldDefinition(first.getName());
        if (def == null) continue; // validated at start-up; a meta field such as __schema is not a screen's
        p = output(def.getType(), e.getValue());
        if (def.getDescription() != null) p.put("description", def.getDescription());
        if (def.isDeprecated()) p.put("deprecated", true);
      }
      props.set(e.getKey(), p);
      if (!conditional.get(e.getKey())) required.add(e.getKey());
    }
    if (!required.isEmpty()) s.set("required", required);
    s.put("additionalProperties", false);
    if (type.getDescription() != null) s.put("description", type.getDescription());
    return s;
  }

  private void collect(GraphQLObjectType type, SelectionSet set, boolean underCondition, Map<String, List<Field>> byKey,
      Map<String, Boolean> conditional) {
    if (set == null) return;
    for (Selection<?> sel : set.getSelections()) {
      if (sel instanceof Field f) {
        boolean c = underCondition || hasCondition(f.getDirectives());
        String key = f.getAlias() != null ? f.getAlias() : f.getName();
        byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(f);
        // a key is optional only if every occurrence of it is conditional
        conditional.merge(key, c, (a, b) -> a && b);
      } else if (sel instanceof InlineFragment i) {
        if (applies(type, i.getTypeCondition())) {
          collect(type, i.getSelectionSet(), underCondition || hasCondition(i.getDirectives()), byKey, conditional);
        }
      } else if (sel instanceof FragmentSpread spread) {
        FragmentDefinition d = fragments.get(spread.getName());
        if (d != null && applies(type, d.getTypeCondition())) {
          collect(type, d.getSelectionSet(), underCondition || hasCondition(spread.getDirectives()), byKey, conditional);
        }
      }
    }
  }

  private static boolean hasCondition(List<Directive> directives) {
    for (Directive d : directives) {
      if (d.getName().equals(Directives.SkipDirective.getName()) || d.getName().equals(Directives.IncludeDirective.getName())) {
        return true;
      }
    }
    return false;
  }

  /** A fragment on {@code condition} applies to an object of {@code type}: the same type, or one it implements or belongs to. */
  private boolean applies(GraphQLObjectType type, TypeName condition) {
    if (condition == null || condition.getName().equals(type.getName())) return true;
    GraphQLType t = schema.getType(condition.getName());
    if (t instanceof GraphQLInterfaceType i) return type.getInterfaces().stream().anyMatch(x -> x.getName().equals(i.getName()));
    if (t instanceof GraphQLUnionType u) return u.getTypes().stream().anyMatch(x -> x.getName().equals(type.getName()));
    return false;
  }

  /** A scalar or enum as JSON; a custom scalar ({@code JSON}) is any value. */
  private static ObjectNode leaf(GraphQLNamedType type) {
    if (type instanceof GraphQLEnumType e) {
      ObjectNode s = F.objectNode().put("type", "string");
      ArrayNode values = s.putArray("enum");
      for (GraphQLEnumValueDefinition v : e.getValues()) values.add(v.getName());
      return s;
    }
    ObjectNode s = scalar(type.getName());
    if (type instanceof GraphQLScalarType sc && s.isEmpty() && sc.getDescription() != null) {
      s.put("description", sc.getDescription());
    }
    return s;
  }

  /** GraphQL's built-in scalars: Int is 32-bit (GraphQL spec §3.5.1), ID serializes as a string (§3.5.5). */
  static ObjectNode scalar(String name) {
    return switch (name) {
      case "Int" -> F.objectNode().put("type", "integer").put("format", "int32");
      case "Float" -> F.objectNode().put("type", "number");
      case "Boolean" -> F.objectNode().put("type", "boolean");
      case "String" -> F.objectNode().put("type", "string");
      case "ID" -> F.objectNode().put("type", "string");
      default -> F.objectNode();
    };
  }

  /** The schema allowing {@code null} as well: a type list when the schema has one type, else anyOf. */
  static ObjectNode nullable(ObjectNode s) {
    if (s.isEmpty()) return s; // any value already
    JsonNode type = s.get("type");
    if (type != null && type.isTextual()) {
      s.set("type", F.arrayNode().add(type.asText()).add("null"));
      if (s.get("enum") instanceof ArrayNode values) values.addNull();
      if (s.has("const")) {
        JsonNode c = s.remove("const");
        s.putArray("enum").add(c).addNull();
      }
      return s;
    }
    ObjectNode any = F.objectNode();
    any.putArray("anyOf").add(s).add(F.objectNode().put("type", "null"));
    return any;
  }

  // ---- input: variables ----

  /** A variable's type from the operation's text ({@code [ID!]!}) as a JSON Schema. */
  static ObjectNode input(GraphQLSchema schema, Type<?> type) {
    if (type instanceof NonNullType nn) return input(schema, nn.getType(), false);
    return input(schema, type, true);
  }

  private static ObjectNode input(GraphQLSchema schema, Type<?> type, boolean nullable) {
    ObjectNode s;
    if (type instanceof NonNullType nn) {
      return input(schema, nn.getType(), false);
    }
    if (type instanceof ListType lt) {
      s = F.objectNode().put("type", "array");
      s.set("items", input(schema, lt.getType()));
    } else {
      s = inputNamed((GraphQLInputType) schema.getType(((TypeName) type).getName()), 0);
    }
    return nullable ? nullable(s) : s;
  }

  private static final int MAX_INPUT_DEPTH = 8;

  /** An input type; recursive input objects stop at {@link #MAX_INPUT_DEPTH} (any object beyond). */
  private static ObjectNode inputType(GraphQLInputType type, int depth) {
    boolean nullable = !(type instanceof GraphQLNonNull);
    GraphQLType inner = type instanceof GraphQLNonNull nn ? nn.getWrappedType() : type;
    ObjectNode s;
    if (inner instanceof GraphQLList list) {
      s = F.objectNode().put("type", "array");
      s.set("items", inputType((GraphQLInputType) list.getWrappedType(), depth));
    } else {
      s = inputNamed((GraphQLInputType) inner, depth);
    }
    return nullable ? nullable(s) : s;
  }

  private static ObjectNode inputNamed(GraphQLInputType type, int depth) {
    if (type instanceof GraphQLInputObjectType o) {
      ObjectNode s = F.objectNode().put("type", "object");
      if (depth >= MAX_INPUT_DEPTH) return s;
      ObjectNode props = s.putObject("properties");
      ArrayNode required = F.arrayNode();
      for (GraphQLInputObjectField f : o.getFields()) {
        ObjectNode p = inputType(f.getType(), depth + 1);
        if (f.getDescription() != null) p.put("description", f.getDescription());
        props.set(f.getName(), p);
        if (f.getType() instanceof GraphQLNonNull && !f.hasSetDefaultValue()) required.add(f.getName());
      }
      if (!required.isEmpty()) s.set("required", required);
      s.put("additionalProperties", false);
      return s;
    }
    return leaf((GraphQLNamedType) type);
  }

  /** A literal (a variable's default) as JSON. */
  static JsonNode literal(Value<?> v) {
    if (v instanceof IntValue i) return F.numberNode(i.getValue());
    if (v instanceof FloatValue f) return F.numberNode(f.getValue());
    if (v instanceof StringValue s) return F.textNode(s.getValue());
    if (v instanceof BooleanValue b) return F.booleanNode(b.isValue());
    if (v instanceof EnumValue e) return F.textNode(e.getName());
    if (v instanceof ArrayValue a) {
      ArrayNode out = F.arrayNode();
      for (Value<?> x : a.getValues()) out.add(literal(x));
      return out;
    }
    if (v instanceof ObjectValue o) {
      ObjectNode out = F.objectNode();
      for (ObjectField f : o.getObjectFields()) out.set(f.getName(), literal(f.getValue()));
      return out;
    }
    return F.nullNode(); // NullValue; a default is a constant, never a variable
  }
}
