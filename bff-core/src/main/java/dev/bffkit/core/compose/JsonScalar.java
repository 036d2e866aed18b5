package dev.bffkit.core.compose;

import graphql.GraphQLContext;
import graphql.execution.CoercedVariables;
import graphql.language.ArrayValue;
import graphql.language.BooleanValue;
import graphql.language.EnumValue;
import graphql.language.FloatValue;
import graphql.language.IntValue;
import graphql.language.NullValue;
import graphql.language.ObjectField;
import graphql.language.ObjectValue;
import graphql.language.StringValue;
import graphql.language.Value;
import graphql.language.VariableReference;
import graphql.schema.Coercing;
import graphql.schema.CoercingParseLiteralException;
import graphql.schema.GraphQLScalarType;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code scalar JSON}: any JSON value passed through as plain Map/List/String/Number/Boolean. */
final class JsonScalar {
  private JsonScalar() {}

  static final GraphQLScalarType JSON = GraphQLScalarType.newScalar()
      .name("JSON")
      .description("Any JSON value")
      .coercing(new Coercing<Object, Object>() {
        @Override
        public Object serialize(Object v, GraphQLContext c, Locale l) { return v; }

        @Override
        public Object parseValue(Object v, GraphQLContext c, Locale l) { return v; }

        @Override
        public Object parseLiteral(Value<?> v, CoercedVariables vars, GraphQLContext c, Locale l) {
          return toJava(v, vars == null ? Map.of() : vars.toMap());
        }
      })
      .build();

  /** An AST literal as a plain Java value (also used for {@code @fallback(value: ...)}). */
  static Object toJava(Value<?> v, Map<String, Object> vars) {
    if (v == null || v instanceof NullValue) return null;
    if (v instanceof StringValue s) return s.getValue();
    if (v instanceof BooleanValue b) return b.isValue();
    if (v instanceof EnumValue e) return e.getName();
    if (v instanceof IntValue i) {
      BigInteger n = i.getValue();
      return n.bitLength() < 32 ? (Object) n.intValue() : n.bitLength() < 64 ? (Object) n.longValue() : n;
    }
    if (v instanceof FloatValue f) return f.getValue().doubleValue();
    if (v instanceof ArrayValue a) {
      List<Object> out = new ArrayList<>(a.getValues().size());
      for (Value<?> item : a.getValues()) out.add(toJava(item, vars));
      return out;
    }
    if (v instanceof ObjectValue o) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (ObjectField f : o.getObjectFields()) out.put(f.getName(), toJava(f.getValue(), vars));
      return out;
    }
    if (v instanceof VariableReference r) return vars.get(r.getName());
    throw new CoercingParseLiteralException("not a JSON literal: " + v);
  }
}
