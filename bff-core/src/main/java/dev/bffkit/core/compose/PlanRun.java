package dev.bffkit.core.compose;

import dev.bffkit.core.compose.OperationPlan.FieldPlan;
import dev.bffkit.core.compose.OperationPlan.Node;
import dev.bffkit.core.internal.JsonMap;
import dev.bffkit.core.observe.RequestLog;
import graphql.GraphQLContext;
import graphql.execution.CoercedVariables;
import graphql.execution.RawVariables;
import graphql.execution.ValuesResolver;
import graphql.schema.CoercingSerializeException;
import graphql.schema.GraphQLEnumType;
import graphql.schema.GraphQLList;
import graphql.schema.GraphQLNonNull;
import graphql.schema.GraphQLObjectType;
import graphql.schema.GraphQLScalarType;
import graphql.schema.GraphQLSchema;
import graphql.schema.GraphQLType;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One execution of an {@link OperationPlan}, on one event loop (its state is not shared).
 *
 * <p>Completion follows the GraphQL spec as graphql-java implements it: values are coerced by
 * their scalar or enum type; a null in a non-null position nulls the nearest nullable parent
 * (carried up as {@link #BUBBLE}); a failed fetch gives null or its {@code @fallback} plus an
 * error. Synchronous fields produce plain values; only fetches produce futures, so a screen
 * allocates a future per upstream call, not per field.
 *
 * <p>Batching: a batched field registers its key and gets a promise; after each synchronous
 * completion pass (the root pass, and each fetched value's subtree) the keys gathered are sent,
 * one call per binding for all of them (chunked at {@code maxBatchSize}, duplicates once).
 */
final class PlanRun {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.compose");
  private static final GraphQLContext GQL = GraphQLContext.getDefault();
  private static final Locale LOCALE = Locale.ROOT;
  /** A null that must propagate to the nearest nullable parent; its error is already recorded. */
  private static final Object BUBBLE = new Object();

  private final OperationPlan plan;
  private final ComposeContext cx;
  private final CoercedVariables variables;
  private final int maxBatchSize;
  private final List<Map<String, Object>> errors = new ArrayList<>(0);
  private Map<RestBinding, LinkedHashMap<String, Promise<Object>>> batches;
  /** Where deferred and streamed payloads go; null when everything is answered inline. */
  private final IncrementalRun incremental;

  private PlanRun(OperationPlan plan, ComposeContext cx, CoercedVariables variables, int maxBatchSize,
      IncrementalRun incremental) {
    this.plan = plan;
    this.cx = cx;
    this.variables = variables;
    this.maxBatchSize = maxBatchSize;
    this.incremental = incremental;
  }

  /**
   * Runs the plan. Variables are coerced exactly as graphql-java does; a variable error throws
   * (a {@code GraphQLException}) so the caller can let graphql-java report it.
   */
  static Future<ComposeResult> run(GraphQLSchema schema, OperationPlan plan, Map<String, Object> rawVariables,
      ComposeContext cx, int maxBatchSize) {
    CoercedVariables vars = coerce(schema, plan, rawVariables);
    PlanRun run = new PlanRun(plan, cx, vars, maxBatchSize, null);
    Object data = run.object(plan.root(), Map.of(), null, null);
    run.flush();
    return settle(data).map(d -> ComposeResult.of(d == BUBBLE ? null : d, run.errors, cx.extensions()));
  }

  /**
   * The run as an initial payload and deferred/streamed ones, or null when these variables defer
   * and stream nothing (then {@link #run} answers exactly as without the directives). A variable
   * error throws as in {@link #run}. Nothing is fetched before {@link IncrementalRun#start}.
   */
  static IncrementalRun incremental(GraphQLSchema schema, OperationPlan plan, Map<String, Object> rawVariables,
      ComposeContext cx, int maxBatchSize) {
    DeferPlan defers = plan.defers();
    if (defers == null) return null;
    CoercedVariables vars = coerce(schema, plan, rawVariables);
    long mask = defers.mask(vars);
    OperationPlan.Node root = mask == 0 ? null : defers.root(mask);
    if (root == null) return null;
    return new IncrementalRun(inc -> {
      PlanRun run = new PlanRun(plan, cx, vars, maxBatchSize, inc);
      Object data = run.object(root, Map.of(), null, null);
      run.flush();
      return new IncrementalRun.Started(settle(data).map(d -> d == BUBBLE ? null : d), run.errors);
    });
  }

  private static CoercedVariables coerce(GraphQLSchema schema, OperationPlan plan, Map<String, Object> rawVariables) {
    return plan.variables().isEmpty() ? CoercedVariables.emptyVariables()
        : ValuesResolver.coerceVariableValues(schema, plan.variables(), RawVariables.of(rawVariables), GQL, LOCALE);
  }

  // ------------------------------------------------------------------ objects and fields

  private Object object(Node node, Object source, Path path, IncrementalRun.Payload p) {
    FieldPlan[] fields = node.fields();
    Object[] values = new Object[fields.length];
    int pending = 0;
    for (int i = 0; i < fields.length; i++) {
      values[i] = field(fields[i], node, source, path, p);
      if (values[i] instanceof Future) pending++;
    }
    // After the object's own fetches (first in line for connections), in the same pass.
    if (node.defers().length > 0) defer(node, source, path, p);
    if (pending == 0) return assemble(node, values);
    Promise<Object> done = Promise.promise();
    int[] left = {pending};
    for (int i = 0; i < fields.length; i++) {
      if (values[i] instanceof Future<?> f) {
        int at = i;
        f.onComplete(ar -> {
          values[at] = ar.succeeded() ? ar.result() : internal(fields[at], ar.cause(), path, p);
          if (--left[0] == 0) done.complete(assemble(node, values));
        });
      }
    }
    return done.future();
  }

  /**
   * Starts the node's deferred fragments on the same object: their fetches go out now, beside the
   * object's own; only their delivery waits ({@link IncrementalRun}).
   */
  private void defer(Node node, Object source, Path path, IncrementalRun.Payload p) {
    for (OperationPlan.DeferGroup g : node.defers()) {
      IncrementalRun.Payload child = incremental.open(p, path == null ? List.of() : path.toList(), g.label(), -1);
      Object data = object(g.node(), source, path, child);
      settle(data).onComplete(ar -> incremental.ready(child,
          ar.failed() ? internal(null, ar.cause(), path, child) : ar.result() == BUBBLE ? null : ar.result()));
    }
  }

  /** The object, its keys shared with the plan's node (or BUBBLE when a non-null field bubbled). */
  private static Object assemble(Node node, Object[] values) {
    for (Object v : values) if (v == BUBBLE) return BUBBLE;
    return new JsonMap(node.responseKeys(), values);
  }

  private Object field(FieldPlan f, Node parent, Object source, Path parentPath, IncrementalRun.Payload p) {
    if (f.typename()) return parent.typeName();
    if (f.rest() == null && f.authScopes() == null && isLeaf(f.type())) {
      // Most fields: a property of the parent holding a scalar. Its path is made only for an error.
      Object raw = f.map() != null ? f.map().select(source) : source instanceof Map<?, ?> m ? m.get(f.name()) : null;
      return absorb(leaf(f, f.type(), raw, parentPath, p), f.type());
    }
    Path path = new Path(parentPath, f.responseKey());
    if (f.authScopes() != null && !AuthFetcher.allowed(f.authScopes(), cx)) {
      Map<String, Object> ext = new LinkedHashMap<>(AuthFetcher.extensions(f.authScopes()));
      ext.put("classification", "DataFetchingException");
      error(AuthFetcher.message(f.authScopes()), f, path, ext, p);
      // As graphql-java: a field that already has an error adds no non-null error of its own.
      return f.type() instanceof GraphQLNonNull ? BUBBLE : null;
    }
    RestBinding b = f.rest();
    if (b == null) {
      Object raw = f.map() != null ? f.map().select(source)
          : source instanceof Map<?, ?> m ? m.get(f.name()) : null;
      return absorb(complete(f, f.type(), raw, path, p), f.type());
    }
    Future<Object> fetched;
    try {
      Map<String, Object> args = f.constantArgs() != null ? f.constantArgs()
          : ValuesResolver.getArgumentValues(f.argumentTypes(), f.arguments(), variables, GQL, LOCALE);
      fetched = b.batch() != null ? batched(b, args, source) : RestFetcher.single(b, args, source, cx, f.projection());
    } catch (RuntimeException e) {
      fetched = Future.failedFuture(e);
    }
    return fetched.transform(ar -> {
      Object value;
      if (ar.succeeded()) {
        value = complete(f, f.type(), ar.result(), path, p);
      } else {
        FieldErrors.Described d = FieldErrors.describe(b, ar.cause());
        Map<String, Object> ext = new LinkedHashMap<>(d.extensions());
        ext.put("classification", "DataFetchingException");
        error(d.message(), f, path, ext, p);
        Object fallback = b.hasFallback() ? b.fallback() : null;
        // As graphql-java: a path that already has an error gets no non-null error of its own.
        value = fallback == null && f.type() instanceof GraphQLNonNull ? BUBBLE : complete(f, f.type(), fallback, path, p);
      }
      flush(); // keys gathered while completing this subtree
      return settle(then(value, v -> absorb(v, f.type())));
    });
  }

  // ------------------------------------------------------------------ value completion

  private static boolean isLeaf(GraphQLType type) {
    GraphQLType t = type instanceof GraphQLNonNull nn ? nn.getWrappedType() : type;
    return t instanceof GraphQLScalarType || t instanceof GraphQLEnumType;
  }

  /** {@link #complete} for a scalar or enum field, its path made only when there is an error. */
  private Object leaf(FieldPlan f, GraphQLType type, Object value, Path parentPath, IncrementalRun.Payload p) {
    if (type instanceof GraphQLNonNull nn) {
      Object v = leaf(f, nn.getWrappedType(), value, parentPath, p);
      if (v != null) return v;
      nonNullError(f, nn, new Path(parentPath, f.responseKey()), p);
      return BUBBLE;
    }
    if (value == null) return null;
    return complete(f, type, value, null, parentPath, p);
  }

  private Object complete(FieldPlan f, GraphQLType type, Object value, Path path, IncrementalRun.Payload p) {
    return complete(f, type, value, path, null, p);
  }

  /**
   * Completes {@code value} at {@code path}; a leaf may pass a null path and its parent's instead
   * ({@code lazyParent}), and the path is then made only for an error.
   */
  private Object complete(FieldPlan f, GraphQLType type, Object value, Path path, Path lazyParent,
      IncrementalRun.Payload p) {
    if (path == null && !(type instanceof GraphQLScalarType || type instanceof GraphQLEnumType)) {
      return complete(f, type, value, new Path(lazyParent, f.responseKey()), null, p);
    }
    if (type instanceof GraphQLNonNull nn) {
      return then(complete(f, nn.getWrappedType(), value, path, p), v -> {
        if (v != null) return v;
        nonNullError(f, nn, path, p);
        return BUBBLE;
      });
    }
    if (value == null) return null;
    if (type instanceof GraphQLList list) return list(f, list.getWrappedType(), value, path, p);
    if (type instanceof GraphQLObjectType) {
      if (!(value instanceof Map<?, ?>)) return mismatch(f, path, "an object", value, p);
      return object(f.selection(), value, path, p);
    }
    try {
      if (type instanceof GraphQLScalarType s) return s.getCoercing().serialize(value, GQL, LOCALE);
      if (type instanceof GraphQLEnumType e) return e.serialize(value);
    } catch (CoercingSerializeException e) {
      Path at = path != null ? path : new Path(lazyParent, f.responseKey());
      error("Can't serialize value (" + at + ") : " + e.getMessage(), f, at, classification("DataFetchingException"), p);
      return null;
    }
    return mismatch(f, path != null ? path : new Path(lazyParent, f.responseKey()), "a leaf value", value, p);
  }

  private Object list(FieldPlan f, GraphQLType itemType, Object value, Path path, IncrementalRun.Payload p) {
    if (!(value instanceof List<?> all)) return mismatch(f, path, "a list", value, p);
    List<?> items = all;
    if (f.stream() != null && incremental != null) {
      int initial = f.stream().initialCount(variables);
      if (initial < items.size()) {
        stream(f, itemType, all, initial, path, p);
        items = all.subList(0, initial);
      }
    }
    return items(f, itemType, items, 0, path, p);
  }

  /** Completes the items after {@code from} as their own payload, after the list's (path ends with the first index). */
  private void stream(FieldPlan f, GraphQLType itemType, List<?> all, int from, Path path, IncrementalRun.Payload p) {
    List<Object> at = path.toList();
    IncrementalRun.Payload child = incremental.open(p, at, f.stream().label(), from);
    Object items = items(f, itemType, all.subList(from, all.size()), from, path, child);
    settle(items).onComplete(ar -> incremental.ready(child,
        ar.failed() ? internal(f, ar.cause(), path, child) : ar.result() == BUBBLE ? null : ar.result()));
  }

  /** Completes {@code items}, the list's items from index {@code offset} on. */
  private Object items(FieldPlan f, GraphQLType itemType, List<?> items, int offset, Path path, IncrementalRun.Payload p) {
    int n = items.size();
    Object[] out = new Object[n];
    int pending = 0;
    for (int i = 0; i < n; i++) {
      out[i] = absorb(complete(f, itemType, items.get(i), new Path(path, offset + i), p), itemType);
      if (out[i] instanceof Future) pending++;
    }
    if (pending == 0) return listOf(out);
    Promise<Object> done = Promise.promise();
    int[] left = {pending};
    for (int i = 0; i < n; i++) {
      if (out[i] instanceof Future<?> fu) {
        int at = i;
        fu.onComplete(ar -> {
          out[at] = ar.succeeded() ? absorb(ar.result(), itemType) : internal(f, ar.cause(), path, p);
          if (--left[0] == 0) done.complete(listOf(out));
        });
      }
    }
    return done.future();
  }

  private static Object listOf(Object[] items) {
    for (Object o : items) if (o == BUBBLE) return BUBBLE;
    return Arrays.asList(items);
  }

  /** A nullable position takes a bubbling null as its own null. */
  private static Object absorb(Object value, GraphQLType type) {
    if (value instanceof Future<?> f) {
      @SuppressWarnings("unchecked")
      Future<Object> fo = (Future<Object>) f;
      return type instanceof GraphQLNonNull ? fo : fo.map(v -> v == BUBBLE ? null : v);
    }
    return value == BUBBLE && !(type instanceof GraphQLNonNull) ? null : value;
  }

  @SuppressWarnings("unchecked")
  private static Object then(Object value, Function<Object, Object> fn) {
    return value instanceof Future<?> f ? ((Future<Object>) f).map(fn) : fn.apply(value);
  }

  @SuppressWarnings("unchecked")
  private static Future<Object> settle(Object value) {
    return value instanceof Future<?> f ? (Future<Object>) f : Future.succeededFuture(value);
  }

  // ------------------------------------------------------------------ batching

  private Future<Object> batched(RestBinding b, Map<String, Object> args, Object source) {
    Template.Ref ref = b.batch().keyRef();
    String key = Template.scalar(ref, RestFetcher.resolve(ref, args, source, cx));
    if (key == null || key.isEmpty()) return Future.succeededFuture(null); // nothing to look up
    if (batches == null) batches = new IdentityHashMap<>(4);
    return batches.computeIfAbsent(b, x -> new LinkedHashMap<>()).computeIfAbsent(key, k -> Promise.promise()).future();
  }

  /** Sends every batch gathered so far: one call per binding and chunk of distinct keys. */
  private void flush() {
    if (batches == null) return;
    Map<RestBinding, LinkedHashMap<String, Promise<Object>>> due = batches;
    batches = null;
    due.forEach((b, waiting) -> {
      List<String> keys = new ArrayList<>(waiting.keySet());
      for (int from = 0; from < keys.size(); from += maxBatchSize) {
        List<String> chunk = keys.subList(from, Math.min(keys.size(), from + maxBatchSize));
        BatchLoader.load(b, cx, chunk, plan.batchProjection(b)).onComplete(ar -> {
          for (int i = 0; i < chunk.size(); i++) {
            Promise<Object> p = waiting.get(chunk.get(i));
            if (ar.succeeded()) p.complete(ar.result().get(i));
            else p.fail(ar.cause());
          }
        });
      }
    });
  }

  // ------------------------------------------------------------------ errors

  private Object mismatch(FieldPlan f, Path path, String expected, Object got, IncrementalRun.Payload p) {
    error("Can't resolve value (" + path + ") : type mismatch error, expected " + expected + " but got "
        + got.getClass().getSimpleName(), f, path, classification("DataFetchingException"), p);
    return null;
  }

  private Object internal(FieldPlan f, Throwable e, Path path, IncrementalRun.Payload p) {
    LOG.log(Level.SEVERE, RequestLog.logIds(cx.requestId(), cx.deadline().log()) + " plan failure at " + path, e);
    error("internal error", f, path, Map.of("code", "INTERNAL"), p);
    return null;
  }

  /** graphql-java's NonNullableFieldWasNullError, word for word (clients may match on it). */
  private void nonNullError(FieldPlan f, GraphQLNonNull type, Path path, IncrementalRun.Payload p) {
    String message = "The field at path '" + path + "' was declared as a non null type, but the code involved in"
        + " retrieving data has wrongly returned a null value.  The graphql specification requires that the parent"
        + " field be set to null, or if that is non nullable that it bubble up null to its parent and so on."
        + " The non-nullable type is '" + graphql.schema.GraphQLTypeUtil.simplePrint(type.getWrappedType())
        + "' within parent type '" + f.parentType() + "'";
    error(message, null, path, classification("NullValueInNonNullableField"), p);
  }

  private static Map<String, Object> classification(String c) {
    return Map.of("classification", c);
  }

  /** Records an error in the payload {@code p} delivers (null: the initial one). */
  private void error(String message, FieldPlan f, Path path, Map<String, Object> extensions, IncrementalRun.Payload p) {
    Map<String, Object> e = new LinkedHashMap<>(6);
    e.put("message", message);
    if (f != null && f.location() != null) {
      e.put("locations", List.of(Map.of("line", f.location().getLine(), "column", f.location().getColumn())));
    }
    e.put("path", path == null ? List.of() : path.toList());
    e.put("extensions", extensions);
    (p == null ? errors : p.errors()).add(e);
  }

  /** A response path, linked to its parent so that only error paths are ever materialised. */
  private record Path(Path parent, Object segment) {
    List<Object> toList() {
      ArrayList<Object> out = new ArrayList<>();
      for (Path p = this; p != null; p = p.parent) out.add(p.segment);
      java.util.Collections.reverse(out);
      return out;
    }

    /** graphql-java's form: {@code /feed[0]/id}. */
    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder();
      for (Object s : toList()) {
        if (s instanceof Integer i) sb.append('[').append(i).append(']');
        else sb.append('/').append(s);
      }
      return sb.toString();
    }
  }
}
