package dev.bffkit.core.compose;

import graphql.execution.ValuesResolver;
import graphql.language.Argument;
import graphql.language.Document;
import graphql.language.Field;
import graphql.language.FragmentDefinition;
import graphql.language.FragmentSpread;
import graphql.language.InlineFragment;
import graphql.language.OperationDefinition;
import graphql.language.Selection;
import graphql.language.SelectionSet;
import graphql.language.SourceLocation;
import graphql.language.VariableDefinition;
import graphql.language.VariableReference;
import graphql.schema.DataFetcher;
import graphql.schema.FieldCoordinates;
import graphql.schema.GraphQLArgument;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLList;
import graphql.schema.GraphQLNonNull;
import graphql.schema.GraphQLObjectType;
import graphql.schema.GraphQLOutputType;
import graphql.schema.GraphQLSchema;
import graphql.schema.GraphQLType;
import graphql.schema.GraphQLTypeUtil;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.IdentityHashMap;
import graphql.language.Directive;
import java.util.Set;

/**
 * A validated query compiled once into a tree of field plans, executed by {@link PlanRun}
 * without graphql-java's per-field machinery: each field is either a bound fetch
 * ({@code @rest}), a path into its parent ({@code @map}) or a property of its parent.
 *
 * <p>Why: graphql-java's general executor costs more per field than all the gateway's other
 * work together on a typical screen; screens are persisted and validated at start-up, so their
 * shape is known and can be planned once, as Apollo Router plans queries. Plans cover the
 * shapes screens use: object, list and scalar fields with arguments and variables, aliases,
 * repeated fields, fragments on the same concrete type and {@code __typename}. Anything else
 * (interfaces and unions, {@code @skip}/{@code @include}, mutations) has no plan and runs on
 * graphql-java, which remains the reference for semantics.
 */
final class OperationPlan {
  /** The fields of one object type, in response order, with same-key fields merged. */
  /** An object selection; {@code responseKeys[i]} is {@code fields[i].responseKey()}, shared by every object it makes. */
  record Node(String typeName, FieldPlan[] fields, String[] responseKeys, DeferGroup[] defers) {
    private static final DeferGroup[] NO_DEFERS = new DeferGroup[0];

    Node(String typeName, FieldPlan[] fields) {
      this(typeName, fields, keysOf(fields), NO_DEFERS);
    }

    Node(String typeName, FieldPlan[] fields, List<DeferGroup> defers) {
      this(typeName, fields, keysOf(fields), defers.isEmpty() ? NO_DEFERS : defers.toArray(DeferGroup[]::new));
    }

    private static String[] keysOf(FieldPlan[] fields) {
      String[] keys = new String[fields.length];
      for (int i = 0; i < fields.length; i++) keys[i] = fields[i].responseKey().intern();
      return keys;
    }
  }

  /**
   * One field as it is asked for: {@code responseKey} is the alias or the name.
   * {@code constantArgs} is non-null when no argument refers to a variable.
   */
  record FieldPlan(
      String responseKey,
      String name,
      /** The object type the field belongs to (for error messages). */
      String parentType,
      GraphQLOutputType type,
      SourceLocation location,
      RestBinding rest,
      Selector map,
      boolean typename,
      List<GraphQLArgument> argumentTypes,
      List<Argument> arguments,
      Map<String, Object> constantArgs,
      /** Selection of the unwrapped object type; null for leaves. */
      Node selection,
      /** What this field's own fetch needs of the upstream's answer (null: all of it). */
      JsonProjection projection,
      /** Scopes of the field's {@code @auth}, or null when it has none. */
      Set<String> authScopes,
      /** The field's active {@code @stream}, or null (always null in the inline plan). */
      DeferPlan.Stream stream) {}

  private final Node root;
  private final List<VariableDefinition> variables;
  /** Per batched binding, what all its uses in this operation need of the batch answer. */
  private final Map<RestBinding, JsonProjection> batchProjections;
  /** The operation's {@code @defer}/{@code @stream} sites and its incremental variants; null without any. */
  private final DeferPlan defers;

  private OperationPlan(Node root, List<VariableDefinition> variables, Map<RestBinding, JsonProjection> batchProjections,
      DeferPlan defers) {
    this.root = root;
    this.variables = variables;
    this.batchProjections = batchProjections;
    this.defers = defers;
  }

  /** The sites of {@code @defer}/{@code @stream}, or null when the operation has none (or too many variable ones). */
  DeferPlan defers() { return defers; }

  /** What the batch call of {@code b} must keep of its answer (null: all of it). */
  JsonProjection batchProjection(RestBinding b) {
    return batchProjections.get(b);
  }

  Node root() { return root; }

  List<VariableDefinition> variables() { return variables; }

  /** A plan for the named (or only) query of a validated document, or null when it needs graphql-java. */
  static OperationPlan compile(GraphQLSchema schema, Document document, String operationName) {
    OperationDefinition op = null;
    Map<String, FragmentDefinition> fragments = new LinkedHashMap<>();
    for (var d : document.getDefinitions()) {
      if (d instanceof OperationDefinition o) {
        if (operationName == null ? op == null : operationName.equals(o.getName())) op = o;
        else if (operationName == null) return null; // ambiguous: graphql-java reports it
      } else if (d instanceof FragmentDefinition f) {
        fragments.put(f.getName(), f);
      }
    }
    if (op == null || op.getOperation() != OperationDefinition.Operation.QUERY || !op.getDirectives().isEmpty()) {
      return null;
    }
    try {
      Map<RestBinding, Projections.Holder> batches = new IdentityHashMap<>();
      DeferPlan.Sites sites = new DeferPlan.Sites();
      // The inline plan (mask 0): every @defer and @stream ignored, exactly the plan without them.
      Node root = new Compiler(schema, fragments, batches, sites, 0L).node(schema.getQueryType(), List.of(op.getSelectionSet()));
      Map<RestBinding, JsonProjection> batchProjections = new IdentityHashMap<>();
      batches.forEach((b, h) -> batchProjections.put(b, h.projection()));
      OperationDefinition operation = op;
      DeferPlan defers = sites.isEmpty() || !sites.plannable() ? null
          : new DeferPlan(sites, mask -> {
            try {
              return new Compiler(schema, fragments, new IdentityHashMap<>(), sites, mask)
                  .node(schema.getQueryType(), List.of(operation.getSelectionSet()));
            } catch (Unsupported e) {
              return null; // answered inline
            }
          });
      return new OperationPlan(root, op.getVariableDefinitions(), batchProjections, defers);
    } catch (Unsupported e) {
      return null;
    }
  }

  /** Thrown inside the compiler when a construct has no plan; the caller falls back. */
  private static final class Unsupported extends RuntimeException {
    Unsupported() {
      super(null, null, false, false);
    }
  }

  /**
   * Compiles selections for one set of active incremental sites ({@code mask}: bit i = site i
   * deferred or streamed). With mask 0 every {@code @defer}/{@code @stream} is inlined.
   */
  private record Compiler(GraphQLSchema schema, Map<String, FragmentDefinition> fragments,
      Map<RestBinding, Projections.Holder> batchProjections, DeferPlan.Sites sites, long mask) {

    Node node(GraphQLObjectType type, List<SelectionSet> sets) {
      Map<String, List<Field>> byKey = new LinkedHashMap<>();
      List<DeferPlan.Pending> deferred = new ArrayList<>(0);
      for (SelectionSet set : sets) collect(type, set, byKey, deferred);
      FieldPlan[] plans = new FieldPlan[byKey.size()];
      int i = 0;
      for (List<Field> same : byKey.values()) plans[i++] = field(type, same);
      if (deferred.isEmpty()) return new Node(type.getName(), plans);
      List<DeferGroup> groups = new ArrayList<>(deferred.size());
      for (DeferPlan.Pending d : deferred) groups.add(new DeferGroup(d.label(), node(type, List.of(d.selections()))));
      return new Node(type.getName(), plans, groups);
    }

    /**
     * Flattens fragments on this same type; an active {@code @defer} fragment becomes a group of its
     * own; anything else conditional or abstract is unsupported.
     */
    private void collect(GraphQLObjectType type, SelectionSet set, Map<String, List<Field>> byKey,
        List<DeferPlan.Pending> deferred) {
      for (Selection<?> s : set.getSelections()) {
        if (s instanceof Field f) {
          if (!f.getDirectives().isEmpty() && (f.getDirectives().size() > 1 || f.getDirectives(DeferPlan.STREAM).isEmpty())) {
            throw new Unsupported();
          }
          byKey.computeIfAbsent(f.getResultKey(), k -> new ArrayList<>()).add(f);
        } else if (s instanceof InlineFragment in) {
          if (in.getTypeCondition() != null && !in.getTypeCondition().getName().equals(type.getName())) throw new Unsupported();
          DeferPlan.Site defer = deferSite(in.getDirectives());
          if (defer != null && active(defer)) deferred.add(new DeferPlan.Pending(defer.label(), in.getSelectionSet()));
          else collect(type, in.getSelectionSet(), byKey, deferred);
        } else if (s instanceof FragmentSpread spread) {
          FragmentDefinition def = fragments.get(spread.getName());
          if (def == null || !def.getDirectives().isEmpty() || !def.getTypeCondition().getName().equals(type.getName())) {
            throw new Unsupported();
          }
          DeferPlan.Site defer = deferSite(spread.getDirectives());
          if (defer != null && active(defer)) deferred.add(new DeferPlan.Pending(defer.label(), def.getSelectionSet()));
          else collect(type, def.getSelectionSet(), byKey, deferred);
        } else {
          throw new Unsupported();
        }
      }
    }

    /** The fragment's {@code @defer} site; null without directives; any other directive is unsupported. */
    private DeferPlan.Site deferSite(List<Directive> directives) {
      if (directives.isEmpty()) return null;
      if (directives.size() > 1 || !directives.get(0).getName().equals(DeferPlan.DEFER)) throw new Unsupported();
      return sites.site(directives.get(0));
    }

    private boolean active(DeferPlan.Site site) {
      return (mask & (1L << site.bit())) != 0;
    }

    private FieldPlan field(GraphQLObjectType parent, List<Field> same) {
      Field f = same.get(0);
      if (f.getName().equals("__typename")) {
        return new FieldPlan(f.getResultKey(), f.getName(), parent.getName(), null, f.getSourceLocation(), null, null, true,
            List.of(), List.of(), Map.of(), null, null, null, null);
      }
      if (f.getName().startsWith("__")) throw new Unsupported(); // introspection: graphql-java
      GraphQLFieldDefinition def = parent.getFieldDefinition(f.getName());
      if (def == null) throw new Unsupported();
      DataFetcher<?> fetcher = schema.getCodeRegistry().getDataFetcher(FieldCoordinates.coordinates(parent, def), def);
      Set<String> authScopes = null;
      if (fetcher instanceof AuthFetcher a) {
        authScopes = a.scopes();
        fetcher = a.delegate();
      }
      RestBinding rest = fetcher instanceof RestFetcher r ? r.binding() : null;
      Selector map = fetcher instanceof MapFetcher m ? m.from() : null;
      GraphQLType unwrapped = GraphQLTypeUtil.unwrapAll(def.getType());
      Node selection = null;
      if (unwrapped instanceof GraphQLObjectType object) {
        List<SelectionSet> sets = new ArrayList<>(same.size());
        for (Field each : same) if (each.getSelectionSet() != null) sets.add(each.getSelectionSet());
        selection = node(object, sets);
      } else if (!GraphQLTypeUtil.isLeaf(unwrapped)) {
        throw new Unsupported(); // interface or union: type resolution stays with graphql-java
      }
      boolean constant = !refersToVariables(f.getArguments());
      Map<String, Object> constantArgs = constant
          ? ValuesResolver.getArgumentValues(def.getArguments(), f.getArguments(),
              graphql.execution.CoercedVariables.emptyVariables(), graphql.GraphQLContext.getDefault(),
              java.util.Locale.getDefault())
          : null;
      checkListsOfLists(def.getType());
      JsonProjection projection = null;
      if (rest != null && rest.grpc() == null) {
        projection = JsonProjection.under(rest.select().text(), Projections.ofValue(selection));
        if (rest.batch() != null) batchProjections.merge(rest, Projections.forBatch(rest.batch(), selection), Projections::union);
      }
      return new FieldPlan(f.getResultKey(), f.getName(), parent.getName(), def.getType(), f.getSourceLocation(), rest, map, false,
          def.getArguments(), f.getArguments(), constantArgs, selection, projection, authScopes, stream(same, def));
    }

    /** The active {@code @stream} of a list field (of any of its merged occurrences), or null. */
    private DeferPlan.Stream stream(List<Field> same, GraphQLFieldDefinition def) {
      for (Field each : same) {
        List<Directive> d = each.getDirectives(DeferPlan.STREAM);
        if (d.isEmpty()) continue;
        DeferPlan.Site site = sites.site(d.get(0));
        if (!active(site)) return null;
        // A non-list field is a request error (IncrementalRules); never planned as a stream.
        if (!(GraphQLTypeUtil.unwrapNonNull(def.getType()) instanceof GraphQLList)) throw new Unsupported();
        return new DeferPlan.Stream(site.label(), site.initialCount(), site.initialCountVariable());
      }
      return null;
    }

    private static void checkListsOfLists(GraphQLOutputType type) {
      GraphQLType t = GraphQLTypeUtil.unwrapNonNull(type);
      if (t instanceof GraphQLList l && GraphQLTypeUtil.unwrapNonNull(l.getWrappedType()) instanceof GraphQLList) {
        throw new Unsupported(); // rare; graphql-java handles nested lists
      }
    }

    private static boolean refersToVariables(List<Argument> args) {
      for (Argument a : args) {
        if (refersToVariables(a.getValue())) return true;
      }
      return false;
    }

    private static boolean refersToVariables(graphql.language.Value<?> v) {
      if (v instanceof VariableReference) return true;
      if (v instanceof graphql.language.ArrayValue a) {
        for (var item : a.getValues()) if (refersToVariables(item)) return true;
      }
      if (v instanceof graphql.language.ObjectValue o) {
        for (var f : o.getObjectFields()) if (refersToVariables(f.getValue())) return true;
      }
      return false;
    }
  }

  /** A deferred fragment on this node's object: its own selection, delivered as its own payload. */
  record DeferGroup(String label, Node node) {}

  static boolean nonNull(GraphQLType t) {
    return t instanceof GraphQLNonNull;
  }
}
