package dev.bffkit.core.compose;

import graphql.language.AstPrinter;
import graphql.language.ListType;
import graphql.language.NonNullType;
import graphql.language.Type;
import graphql.language.TypeName;
import graphql.language.VariableDefinition;
import graphql.schema.GraphQLEnumType;
import graphql.schema.GraphQLEnumValueDefinition;
import graphql.schema.GraphQLInputObjectType;
import graphql.schema.GraphQLSchema;
import graphql.schema.GraphQLType;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns a screen's query parameters into typed variables: {@code ?first=5&tag=a&tag=b}.
 * Scalars parse from text, lists come from repeated parameters, input objects and JSON from
 * JSON text. Absent parameters are left out so the operation's defaults apply; unknown
 * parameters are ignored. Built once per screen from its variable definitions.
 */
final class VariableCoercion {
  private record Var(String name, Type<?> type, String shown, boolean required) {}

  private final GraphQLSchema schema;
  private final List<Var> vars;

  VariableCoercion(GraphQLSchema schema, List<VariableDefinition> definitions) {
    this.schema = schema;
    List<Var> vs = new ArrayList<>(definitions.size());
    for (VariableDefinition d : definitions) {
      vs.add(new Var(d.getName(), d.getType(), AstPrinter.printAst(d.getType()),
          d.getType() instanceof NonNullType && d.getDefaultValue() == null));
    }
    this.vars = List.copyOf(vs);
  }

  Map<String, Object> coerce(MultiMap params) {
    Map<String, Object> out = new LinkedHashMap<>(vars.size() * 2);
    for (Var v : vars) {
      List<String> values = params == null ? List.of() : params.getAll(v.name());
      if (values.isEmpty()) {
        if (v.required()) throw new BadVariableException(v.name(), "variable '" + v.name() + "' is required (" + v.shown() + ")");
        continue;
      }
      out.put(v.name(), coerce(v, v.type(), values));
    }
    return out;
  }

  private Object coerce(Var v, Type<?> type, List<String> values) {
    if (type instanceof NonNullType nn) return coerce(v, nn.getType(), values);
    if (type instanceof ListType lt) {
      List<Object> items = new ArrayList<>(values.size());
      for (String s : values) items.add(coerce(v, lt.getType(), List.of(s)));
      return items;
    }
    if (values.size() > 1) {
      throw new BadVariableException(v.name(), "variable '" + v.name() + "' takes one value, got " + values.size());
    }
    return scalar(v, ((TypeName) type).getName(), values.get(0));
  }

  private Object scalar(Var v, String typeName, String s) {
    switch (typeName) {
      case "String", "ID":
        return s;
      case "Int":
        try {
          return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
          throw bad(v, "an Int", s);
        }
      case "Float":
        try {
          double d = Double.parseDouble(s.trim());
          if (Double.isNaN(d) || Double.isInfinite(d)) throw bad(v, "a Float", s);
          return d;
        } catch (NumberFormatException e) {
          throw bad(v, "a Float", s);
        }
      case "Boolean":
        if (s.equals("true")) return Boolean.TRUE;
        if (s.equals("false")) return Boolean.FALSE;
        throw bad(v, "a Boolean (true or false)", s);
      default:
        break;
    }
    GraphQLType t = schema.getType(typeName);
    if (t instanceof GraphQLEnumType e) {
      Set<String> names = e.getValues().stream().map(GraphQLEnumValueDefinition::getName)
          .collect(Collectors.toCollection(java.util.TreeSet::new));
      if (names.contains(s)) return s;
      throw bad(v, "one of " + String.join(", ", names), s);
    }
    if (t instanceof GraphQLInputObjectType || typeName.equals("JSON")) {
      try {
        return Json.parse(s);
      } catch (Exception ex) {
        throw bad(v, "JSON for " + typeName, s);
      }
    }
    return s; // custom scalars coerce their own text
  }

  private static BadVariableException bad(Var v, String expected, String got) {
    String shown = got.length() > 40 ? got.substring(0, 40) + "..." : got;
    return new BadVariableException(v.name(), "variable '" + v.name() + "' must be " + expected + ", got '" + shown + "'");
  }

}
