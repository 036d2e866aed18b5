package dev.bffkit.core.compose;

import dev.bffkit.core.config.LimitsConfig;
import graphql.language.Definition;
import graphql.language.Document;
import graphql.language.Field;
import graphql.language.FragmentDefinition;
import graphql.language.FragmentSpread;
import graphql.language.InlineFragment;
import graphql.language.OperationDefinition;
import graphql.language.Selection;
import graphql.language.SelectionSet;
import graphql.parser.InvalidSyntaxException;
import graphql.parser.Parser;
import graphql.parser.ParserEnvironment;
import graphql.parser.ParserOptions;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Checks an ad-hoc document against {@code limits.graphql} before graphql-java validates or runs
 * it (validation itself can be made expensive): lexer tokens (the parser stops early), selection
 * depth, aliases, root fields and introspection. Fragments are measured once each (memoised), so a
 * fragment "bomb" costs linear time; a fragment cycle is refused here rather than recursed into.
 */
final class QueryLimits {
  /** A refused document: {@code code} goes into the error's extensions. */
  record Violation(String code, String message) {}

  private final LimitsConfig.Graphql limits;
  private final ParserOptions parserOptions;

  QueryLimits(LimitsConfig.Graphql limits) {
    this.limits = limits;
    this.parserOptions = ParserOptions.newParserOptions()
        .maxTokens(limits.maxTokens())
        .maxWhitespaceTokens(Math.max(limits.maxTokens() * 4, 10_000))
        .maxRuleDepth(Math.max(limits.maxDepth() * 4 + 20, 60))
        .maxCharacters(1 << 20)
        .captureSourceLocation(false)
        .build();
  }

  /** Null when the query is within the limits (or does not parse: graphql-java reports that). */
  Violation check(String query, String operationName) {
    Document doc;
    try {
      doc = Parser.parse(ParserEnvironment.newParserEnvironment().document(query).parserOptions(parserOptions).build());
    } catch (InvalidSyntaxException e) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("tokens") || m.contains("rule depth") || m.contains("characters")) {
        return new Violation("QUERY_TOO_LARGE", "query exceeds the parser limits (" + limits.maxTokens() + " tokens)");
      }
      return null; // a syntax error: reported by the normal path with line and column
    } catch (RuntimeException e) {
      return new Violation("QUERY_TOO_LARGE", "query exceeds the parser limits");
    }
    Map<String, FragmentDefinition> fragments = new HashMap<>();
    OperationDefinition op = null;
    for (Definition<?> d : doc.getDefinitions()) {
      if (d instanceof FragmentDefinition f) fragments.put(f.getName(), f);
      else if (d instanceof OperationDefinition o
          && (operationName == null || operationName.isEmpty() ? op == null : operationName.equals(o.getName()))) {
        op = o;
      }
    }
    Walk walk = new Walk(fragments);
    for (Definition<?> d : doc.getDefinitions()) {
      SelectionSet set = d instanceof OperationDefinition o ? o.getSelectionSet()
          : d instanceof FragmentDefinition f ? f.getSelectionSet() : null;
      if (set != null) walk.scan(set);
    }
    if (walk.aliases > limits.maxAliases()) {
      return new Violation("TOO_MANY_ALIASES", "query has " + walk.aliases + " aliases; at most " + limits.maxAliases());
    }
    if (!limits.introspection() && walk.introspection) {
      return new Violation("INTROSPECTION_DISABLED", "introspection is disabled");
    }
    if (op == null) return null;
    int roots = walk.rootFields(op.getSelectionSet(), new HashSet<>());
    if (roots > limits.maxRootFields()) {
      return new Violation("TOO_MANY_ROOT_FIELDS", "query has " + roots + " root fields; at most " + limits.maxRootFields());
    }
    int depth = walk.depth(op.getSelectionSet());
    if (walk.cycle) return new Violation("FRAGMENT_CYCLE", "fragments spread each other in a cycle");
    if (depth > limits.maxDepth()) {
      return new Violation("QUERY_TOO_DEEP", "query is " + depth + " levels deep; at most " + limits.maxDepth());
    }
    long cost = walk.cost(op.getSelectionSet());
    if (cost > limits.maxCost()) {
      return new Violation("QUERY_TOO_COSTLY", "query costs about " + cost + " (fields times page sizes); at most "
          + limits.maxCost());
    }
    return null;
  }

  private static final class Walk {
    final Map<String, FragmentDefinition> fragments;
    final Map<String, Integer> fragmentDepth = new HashMap<>();
    final Set<String> inProgress = new HashSet<>();
    int aliases;
    boolean introspection;
    boolean cycle;

    Walk(Map<String, FragmentDefinition> fragments) {
      this.fragments = fragments;
    }

    /** Counts aliases and introspection fields in one selection set (fragments are scanned as definitions). */
    void scan(SelectionSet set) {
      for (Selection<?> s : set.getSelections()) {
        if (s instanceof Field f) {
          if (f.getAlias() != null) aliases++;
          if (f.getName().equals("__schema") || f.getName().equals("__type")) introspection = true;
          if (f.getSelectionSet() != null) scan(f.getSelectionSet());
        } else if (s instanceof InlineFragment in && in.getSelectionSet() != null) {
          scan(in.getSelectionSet());
        }
      }
    }

    int rootFields(SelectionSet set, Set<String> seen) {
      int n = 0;
      for (Selection<?> s : set.getSelections()) {
        if (s instanceof Field) n++;
        else if (s instanceof InlineFragment in && in.getSelectionSet() != null) n += rootFields(in.getSelectionSet(), seen);
        else if (s instanceof FragmentSpread sp && seen.add(sp.getName())) {
          FragmentDefinition f = fragments.get(sp.getName());
          if (f != null) n += rootFields(f.getSelectionSet(), seen);
        }
      }
      return n;
    }

    /** Levels of fields below and including this set (1 for a set of leaves). */
    int depth(SelectionSet set) {
      int max = 0;
      for (Selection<?> s : set.getSelections()) {
        int d;
        if (s instanceof Field f) {
          d = 1 + (f.getSelectionSet() == null ? 0 : depth(f.getSelectionSet()));
        } else if (s instanceof InlineFragment in) {
          d = in.getSelectionSet() == null ? 0 : depth(in.getSelectionSet());
        } else if (s instanceof FragmentSpread sp) {
          d = fragment(sp.getName());
        } else {
          d = 0;
        }
        if (d > max) max = d;
        if (cycle) return max;
      }
      return max;
    }

    private final Map<String, Long> fragmentCost = new HashMap<>();
    private static final Set<String> PAGE_ARGS = Set.of("first", "last", "limit", "size", "rows", "rowSize", "count",
        "pageSize");

    /** Fields, each 1 plus its selection's cost times its page size; saturates instead of overflowing. */
    long cost(SelectionSet set) {
      long total = 0;
      for (Selection<?> s : set.getSelections()) {
        long c;
        if (s instanceof Field f) {
          c = 1;
          if (f.getSelectionSet() != null) c = sat(c + sat(pageSize(f) * cost(f.getSelectionSet())));
        } else if (s instanceof InlineFragment in) {
          c = in.getSelectionSet() == null ? 0 : cost(in.getSelectionSet());
        } else if (s instanceof FragmentSpread sp) {
          c = fragmentCost(sp.getName());
        } else {
          c = 0;
        }
        total = sat(total + c);
      }
      return total;
    }

    private long fragmentCost(String name) {
      Long known = fragmentCost.get(name);
      if (known != null) return known;
      FragmentDefinition f = fragments.get(name);
      if (f == null || cycle) return 0;
      fragmentCost.put(name, 0L); // cycles were refused by depth(); guards re-entry anyway
      long c = cost(f.getSelectionSet());
      fragmentCost.put(name, c);
      return c;
    }

    private static long pageSize(Field f) {
      long n = 1;
      for (graphql.language.Argument a : f.getArguments()) {
        if (!PAGE_ARGS.contains(a.getName())) continue;
        if (a.getValue() instanceof graphql.language.IntValue iv) {
          n = Math.max(n, iv.getValue().min(java.math.BigInteger.valueOf(1_000_000)).longValue());
        } else if (a.getValue() instanceof graphql.language.VariableReference) {
          n = Math.max(n, 10);
        }
      }
      return n;
    }

    private static long sat(long v) {
      return v < 0 || v > Integer.MAX_VALUE ? Integer.MAX_VALUE : v;
    }

    private int fragment(String name) {
      Integer known = fragmentDepth.get(name);
      if (known != null) return known;
      FragmentDefinition f = fragments.get(name);
      if (f == null) return 0;
      if (!inProgress.add(name)) {
        cycle = true;
        return 0;
      }
      int d = depth(f.getSelectionSet());
      inProgress.remove(name);
      fragmentDepth.put(name, d);
      return d;
    }
  }
}
