package dev.bffkit.core.compose;

import graphql.language.AstPrinter;
import graphql.language.Field;
import graphql.language.FragmentDefinition;
import graphql.language.FragmentSpread;
import graphql.language.InlineFragment;
import graphql.language.OperationDefinition;
import graphql.language.Selection;
import graphql.language.SelectionSet;
import graphql.language.VariableDefinition;
import graphql.schema.DataFetcher;
import graphql.schema.FieldCoordinates;
import graphql.schema.GraphQLEnumType;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLFieldsContainer;
import graphql.schema.GraphQLNamedType;
import graphql.schema.GraphQLObjectType;
import graphql.schema.GraphQLSchema;
import graphql.schema.GraphQLType;
import graphql.schema.GraphQLTypeUtil;
import graphql.schema.idl.TypeUtil;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a developer portal shows of a screen, read from what the engine compiled: its variables,
 * the service calls its fields make (the {@code @rest}/{@code @grpc} bindings the plan holds) and
 * an example answer from the {@link DryRun}. For the admin listener, never the request path.
 */
public final class ScreenFacts {
  /** What a screen answers with unless all its fields came fresh from the field cache (see {@link #cacheControl}). */
  public static final String CACHE_CONTROL = "private, no-cache";

  private ScreenFacts() {}

  /** One variable as declared: {@code required} when non-null without a default. */
  public record Variable(String name, String type, String defaultValue, boolean required) {}

  /**
   * One service call a field of the screen makes: {@code field} is {@code Type.field}, {@code call}
   * {@code GET /posts/{args.id}} or {@code gRPC pkg.Svc/Method}.
   */
  public record ServiceCall(String service, String field, String call, boolean batched, long timeoutMs,
      boolean fallback) {}

  public static List<Variable> variables(Screen screen) {
    List<Variable> out = new ArrayList<>();
    for (VariableDefinition v : screen.variableDefinitions()) {
      String dflt = v.getDefaultValue() == null ? null : AstPrinter.printAst(v.getDefaultValue());
      out.add(new Variable(v.getName(), AstPrinter.printAst(v.getType()), dflt,
          TypeUtil.isNonNull(v.getType()) && dflt == null));
    }
    return out;
  }

  /**
   * The calls in the order the fields appear, each binding once: from the screen's plan, or, for
   * a screen that runs on graphql-java (no plan), from the same fetchers looked up in the schema.
   */
  public static List<ServiceCall> calls(CompositionEngine engine, Screen screen) {
    List<ServiceCall> out = new ArrayList<>();
    for (RestBinding b : bindings(engine, screen)) {
      String call = b.grpc() != null ? "gRPC " + b.grpc().method().fullName()
          : b.method().name() + " " + (b.batch() != null ? b.batch().path().text() : b.path().text());
      boolean batched = b.batch() != null || (b.grpc() != null && b.grpc().batch() != null);
      out.add(new ServiceCall(b.service(), b.coordinates(), call, batched, b.timeoutMs(), b.hasFallback()));
    }
    return out;
  }

  /**
   * The screen's {@code Cache-Control} when every field is fresh in the field cache: {@link #CACHE_CONTROL} when a
   * call is not {@code @cache} (or the cache is off); else the shortest maxAge, {@code private} if any field is
   * PRIVATE (or the caller sends credentials). A request answered partly stale or on error stays {@link #CACHE_CONTROL}.
   */
  public static String cacheControl(CompositionEngine engine, Screen screen) {
    Set<RestBinding> bs = bindings(engine, screen);
    if (bs.isEmpty() || engine.fieldCache() == null) return CACHE_CONTROL;
    long maxAge = Long.MAX_VALUE;
    boolean anyPrivate = false;
    for (RestBinding b : bs) {
      if (b.cache() == null) return CACHE_CONTROL;
      maxAge = Math.min(maxAge, b.cache().policy().maxAge().toSeconds());
      anyPrivate |= !b.cache().isPublic();
    }
    return (anyPrivate ? "private" : "public (private with credentials)") + ", max-age=" + maxAge
        + " at most (the least freshness left); private, no-cache when a field is not answered by the cache";
  }

  private static Set<RestBinding> bindings(CompositionEngine engine, Screen screen) {
    Map<RestBinding, Boolean> bindings = new LinkedHashMap<>();
    OperationPlan plan = engine.plan(screen);
    if (plan != null) {
      collect(plan.root(), bindings);
    } else {
      Map<String, FragmentDefinition> fragments = new LinkedHashMap<>();
      for (var d : screen.document().getDefinitions()) {
        if (d instanceof FragmentDefinition f) fragments.put(f.getName(), f);
      }
      walk(engine.schema(), engine.schema().getQueryType(), screen.document().getDefinitionsOfType(
          OperationDefinition.class).get(0).getSelectionSet(), fragments, bindings, new HashSet<>());
    }
    return bindings.keySet();
  }

  private static void collect(OperationPlan.Node node, Map<RestBinding, Boolean> out) {
    if (node == null) return;
    for (OperationPlan.FieldPlan f : node.fields()) {
      if (f.rest() != null) out.putIfAbsent(f.rest(), Boolean.TRUE);
      collect(f.selection(), out);
    }
  }

  private static void walk(GraphQLSchema schema, GraphQLType type, SelectionSet set, Map<String, FragmentDefinition> fragments,
      Map<RestBinding, Boolean> out, Set<String> seenFragments) {
    if (set == null || !(type instanceof GraphQLFieldsContainer parent)) return;
    for (Selection<?> s : set.getSelections()) {
      if (s instanceof Field f) {
        GraphQLFieldDefinition def = parent.getFieldDefinition(f.getName());
        if (def == null) continue; // __typename and introspection
        if (parent instanceof GraphQLObjectType object) {
          DataFetcher<?> fetcher = schema.getCodeRegistry().getDataFetcher(FieldCoordinates.coordinates(object, def), def);
          if (fetcher instanceof AuthFetcher a) fetcher = a.delegate();
          if (fetcher instanceof RestFetcher r) out.putIfAbsent(r.binding(), Boolean.TRUE);
        }
        walk(schema, GraphQLTypeUtil.unwrapAll(def.getType()), f.getSelectionSet(), fragments, out, seenFragments);
      } else if (s instanceof InlineFragment in) {
        GraphQLType on = in.getTypeCondition() == null ? type : schema.getType(in.getTypeCondition().getName());
        walk(schema, on, in.getSelectionSet(), fragments, out, seenFragments);
      } else if (s instanceof FragmentSpread spread && seenFragments.add(spread.getName())) {
        FragmentDefinition def = fragments.get(spread.getName());
        if (def != null) walk(schema, schema.getType(def.getTypeCondition().getName()), def.getSelectionSet(), fragments, out,
            seenFragments);
      }
    }
  }

  /**
   * The screen run once by the {@link DryRun} (instant empty answers, no network), with a
   * placeholder for each required variable; call on an event loop (plans run there). The answer is
   * of the screen's shape but its values are wrong on purpose: fields come out null or in error.
   */
  public static Future<ComposeResult> example(CompositionEngine engine, Screen screen) {
    MultiMap params = MultiMap.caseInsensitiveMultiMap();
    for (VariableDefinition v : screen.variableDefinitions()) {
      if (TypeUtil.isNonNull(v.getType()) && v.getDefaultValue() == null) {
        GraphQLType t = engine.schema().getType(TypeUtil.unwrapAll(v.getType()).getName());
        params.add(v.getName(), placeholder(t));
      }
    }
    try {
      return DryRun.example(engine, screen, screen.variablesFrom(params));
    } catch (RuntimeException e) { // an input object, say: no placeholder as a query parameter
      return Future.failedFuture(e);
    }
  }

  /** The weak ETag a complete answer with this body is served with. */
  public static String etagOf(Buffer body) {
    return ETags.weak(body);
  }

  private static String placeholder(GraphQLType t) {
    if (t instanceof GraphQLEnumType e && !e.getValues().isEmpty()) return e.getValues().get(0).getName();
    String name = t instanceof GraphQLNamedType n ? n.getName() : "";
    return switch (name) {
      case "Int" -> "1";
      case "Float" -> "1.5";
      case "Boolean" -> "true";
      default -> "example";
    };
  }
}
