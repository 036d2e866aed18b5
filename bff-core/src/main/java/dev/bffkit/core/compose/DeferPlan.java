package dev.bffkit.core.compose;

import dev.bffkit.core.compose.OperationPlan.Node;
import graphql.execution.CoercedVariables;
import graphql.language.Argument;
import graphql.language.BooleanValue;
import graphql.language.Directive;
import graphql.language.IntValue;
import graphql.language.SelectionSet;
import graphql.language.StringValue;
import graphql.language.Value;
import graphql.language.VariableReference;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

/**
 * The {@code @defer} and {@code @stream} sites of one operation and its incremental plans.
 *
 * <p>Each site (one directive in the document) is a bit; a request's {@code if} values give a
 * mask, and each mask has its own compiled tree, in which active sites are deferred groups
 * ({@link OperationPlan.DeferGroup}) or streamed fields ({@link Stream}) and inactive ones are
 * inlined. Mask 0 is the operation's ordinary plan, so clients that do not take multipart answers
 * get exactly the answer they get without the directives. Constant {@code if}s give one mask, so a
 * screen compiles one variant; every variable {@code if} doubles the possible variants, so at most
 * {@link #MAX_VARIABLE_SITES} are planned (more: the operation is answered inline).
 */
final class DeferPlan {
  static final String DEFER = "defer";
  static final String STREAM = "stream";
  static final int MAX_SITES = 62;
  static final int MAX_VARIABLE_SITES = 4;

  /** One {@code @defer} or {@code @stream} directive: its bit, label and arguments. */
  record Site(int bit, String label, Boolean constantIf, String ifVariable, int initialCount, String initialCountVariable) {}

  /** A deferred fragment found while collecting a selection: its label and fields. */
  record Pending(String label, SelectionSet selections) {}

  /** An active {@code @stream}: the first {@code initialCount} items go in the field's own payload. */
  record Stream(String label, int initialCount, String initialCountVariable) {
    int initialCount(CoercedVariables vars) {
      if (initialCountVariable == null) return initialCount;
      return vars.get(initialCountVariable) instanceof Number n ? Math.max(0, n.intValue()) : 0;
    }
  }

  /** The sites, numbered as the inline compilation meets them (then read-only). */
  static final class Sites {
    private final Map<Directive, Site> byDirective = new IdentityHashMap<>();
    private int variables;

    Site site(Directive d) {
      Site s = byDirective.get(d);
      if (s != null) return s;
      s = parse(byDirective.size(), d);
      if (s.ifVariable() != null) variables++;
      byDirective.put(d, s);
      return s;
    }

    boolean isEmpty() { return byDirective.isEmpty(); }

    boolean plannable() { return byDirective.size() <= MAX_SITES && variables <= MAX_VARIABLE_SITES; }

    List<Site> all() { return new ArrayList<>(byDirective.values()); }

    private static Site parse(int bit, Directive d) {
      String label = null;
      Boolean constantIf = Boolean.TRUE; // the directives' default
      String ifVariable = null;
      int initialCount = 0;
      String countVariable = null;
      for (Argument a : d.getArguments()) {
        Value<?> v = a.getValue();
        switch (a.getName()) {
          case "label" -> label = v instanceof StringValue s ? s.getValue() : null;
          case "if" -> {
            if (v instanceof VariableReference r) {
              constantIf = null;
              ifVariable = r.getName();
            } else {
              constantIf = v instanceof BooleanValue b ? b.isValue() : Boolean.TRUE;
            }
          }
          case "initialCount" -> {
            if (v instanceof VariableReference r) countVariable = r.getName();
            else if (v instanceof IntValue i) initialCount = Math.max(0, i.getValue().intValue());
          }
          default -> { }
        }
      }
      return new Site(bit, label, constantIf, ifVariable, initialCount, countVariable);
    }
  }

  private final List<Site> sites;
  private final LongFunction<Node> compiler;
  private final Map<Long, Optional<Node>> variants = new ConcurrentHashMap<>();

  DeferPlan(Sites sites, LongFunction<Node> compiler) {
    this.sites = sites.all();
    this.compiler = compiler;
  }

  /** The active sites for these variables: bit i set when site i's {@code if} is true. */
  long mask(CoercedVariables vars) {
    long mask = 0;
    for (Site s : sites) {
      boolean on = s.constantIf() != null ? s.constantIf() : !(vars.get(s.ifVariable()) instanceof Boolean b) || b;
      if (on) mask |= 1L << s.bit();
    }
    return mask;
  }

  /** The plan with these sites active (compiled once per mask), or null to answer inline. */
  Node root(long mask) {
    Optional<Node> n = variants.get(mask);
    if (n == null) n = variants.computeIfAbsent(mask, m -> Optional.ofNullable(compiler.apply(m)));
    return n.orElse(null);
  }
}
