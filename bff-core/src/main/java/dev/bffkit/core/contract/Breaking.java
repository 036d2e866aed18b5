package dev.bffkit.core.contract;

import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.compose.Screen;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.SourceFile;
import graphql.ParseAndValidate;
import graphql.language.Document;
import graphql.language.Field;
import graphql.language.FieldDefinition;
import graphql.language.FragmentDefinition;
import graphql.language.FragmentSpread;
import graphql.language.InlineFragment;
import graphql.language.ListType;
import graphql.language.NonNullType;
import graphql.language.Node;
import graphql.language.ObjectTypeDefinition;
import graphql.language.OperationDefinition;
import graphql.language.Selection;
import graphql.language.SelectionSet;
import graphql.language.SourceLocation;
import graphql.language.Type;
import graphql.language.TypeName;
import graphql.language.VariableDefinition;
import graphql.parser.Parser;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLFieldsContainer;
import graphql.schema.GraphQLList;
import graphql.schema.GraphQLNamedType;
import graphql.schema.GraphQLNonNull;
import graphql.schema.GraphQLSchema;
import graphql.schema.GraphQLType;
import graphql.schema.diff.DiffCategory;
import graphql.schema.diff.DiffEvent;
import graphql.schema.diff.SchemaDiff;
import graphql.schema.diff.SchemaDiffSet;
import graphql.schema.diff.reporting.CapturingReporter;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.TypeDefinitionRegistry;
import graphql.validation.ValidationError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --check --against OLD_DIR}: what an installed app, built against the old version of this module, would
 * see go wrong with the new one, as graphql-inspector and buf breaking do for schemas and messages. Breaking: a screen
 * removed; a field an old screen answered gone, retyped, or now possibly null; a variable added as required or
 * retyped; an old screen's operation no longer valid; and graphql-java's schema diff of the client contract (a type
 * or field removed, an argument added as required, an enum value removed ...). Dangerous: a variable removed (the BFF
 * ignores unknown query parameters, so the app's value is silently dropped), an enum value or union member added.
 */
public final class Breaking {
  private Breaking() {}

  /** Breaking changes fail the check; dangerous ones are printed as warnings. */
  public record Result(List<Problem> breaking, List<Problem> dangerous) {}

  public static Result between(ClientBundle old, ClientBundle current) {
    CompositionEngine before = CompositionEngine.create(old);
    CompositionEngine after = CompositionEngine.create(current);
    List<Problem> breaking = new ArrayList<>();
    List<Problem> dangerous = new ArrayList<>();
    Lines lines = new Lines(current);
    schemaDiff(before.schema(), after.schema(), lines, breaking, dangerous);
    Map<String, SourceFile> newFiles = new LinkedHashMap<>();
    for (SourceFile f : current.screens()) newFiles.put(name(f), f);
    for (Screen s : before.screens()) {
      SourceFile now = newFiles.get(s.name());
      String oldFile = old.screens().stream().filter(f -> name(f).equals(s.name())).findFirst().map(SourceFile::name)
          .orElse(s.name());
      if (now == null) {
        breaking.add(new Problem(oldFile, 0, "screen '" + s.name() + "' was removed: installed apps calling GET"
            + " /v1/screens/" + s.name() + " get 404; keep it (it may return less) until no installed version calls it"));
        continue;
      }
      Document oldDoc = Parser.parse(s.query());
      for (ValidationError e : ParseAndValidate.validate(after.schema(), oldDoc)) {
        breaking.add(new Problem(now.name(), 0, "the old '" + s.name() + "' operation no longer validates against the"
            + " new schema (its persisted query and installed apps' copies break): " + e.getDescription()));
      }
      Screen next = after.screen(s.name());
      variables(s, next, now.name(), breaking, dangerous);
      Map<String, Slot> was = answer(before.schema(), oldDoc);
      Map<String, Slot> is = answer(after.schema(), Parser.parse(next.query()));
      was.forEach((path, slot) -> {
        Slot n = is.get(path);
        if (n == null) {
          breaking.add(new Problem(now.name(), 0, "'" + path + "' is no longer in the " + s.name() + " answer;"
              + " installed apps read it: keep it (deprecate it with @deprecated) until no installed version does"));
        } else if (!covers(slot.type(), n.type())) {
          boolean nowNullable = slot.type().endsWith("!") && n.type().equals(slot.type().substring(0, slot.type().length() - 1));
          breaking.add(new Problem(now.name(), n.line(), "'" + path + "' in the " + s.name() + " answer was "
              + slot.type() + " and is now " + n.type() + (nowNullable ? " (it may now be null, which installed apps"
              + " do not expect)" : "") + "; keep the old type"));
        }
      });
    }
    breaking.sort(null);
    dangerous.sort(null);
    return new Result(List.copyOf(breaking), List.copyOf(dangerous));
  }

  /**
   * Whether an answer typed {@code now} still gives what {@code was} promised: the same type, at most with more
   * non-nulls ({@code String} → {@code String!}, {@code [Post]} → {@code [Post!]!}): stricter output is safe.
   */
  static boolean covers(String was, String now) {
    int i = 0;
    int j = 0;
    while (i < was.length() && j < now.length()) {
      if (was.charAt(i) == now.charAt(j)) {
        i++;
        j++;
      } else if (now.charAt(j) == '!') {
        j++;
      } else {
        return false;
      }
    }
    return i == was.length() && now.substring(j).chars().allMatch(c -> c == '!');
  }

  private static String name(SourceFile f) {
    String n = f.name().substring(f.name().lastIndexOf('/') + 1);
    return n.endsWith(".graphql") ? n.substring(0, n.length() - ".graphql".length()) : n;
  }

  private static void variables(Screen old, Screen now, String file, List<Problem> breaking, List<Problem> dangerous) {
    Map<String, VariableDefinition> was = new LinkedHashMap<>();
    for (VariableDefinition v : old.variableDefinitions()) was.put(v.getName(), v);
    for (VariableDefinition v : now.variableDefinitions()) {
      VariableDefinition before = was.remove(v.getName());
      int line = v.getSourceLocation() == null ? 0 : v.getSourceLocation().getLine();
      if (before == null) {
        if (v.getType() instanceof NonNullType && v.getDefaultValue() == null) {
          breaking.add(new Problem(file, line, "variable $" + v.getName() + " is new and required: installed apps do"
              + " not send it and get 400; give it a default or make it nullable"));
        }
      } else if (!print(before.getType()).equals(print(v.getType()))) {
        boolean looser = before.getType() instanceof NonNullType nn && print(nn.getType()).equals(print(v.getType()));
        if (!looser) {
          breaking.add(new Problem(file, line, "variable $" + v.getName() + " was " + print(before.getType()) + " and is"
              + " now " + print(v.getType()) + ": installed apps' values may no longer fit; keep the old type"));
        }
      } else if (before.getDefaultValue() != null && v.getDefaultValue() == null && v.getType() instanceof NonNullType) {
        breaking.add(new Problem(file, line, "variable $" + v.getName() + " lost its default and is required: installed"
            + " apps that relied on the default get 400"));
      }
    }
    for (String gone : was.keySet()) {
      dangerous.add(new Problem(file, 0, "variable $" + gone + " was removed: installed apps still send ?" + gone
          + "=..., which is now ignored"));
    }
  }

  private static String print(Type<?> t) {
    if (t instanceof NonNullType nn) return print(nn.getType()) + "!";
    if (t instanceof ListType l) return "[" + print(l.getType()) + "]";
    return ((TypeName) t).getName();
  }

  /** One place in a screen's answer: its GraphQL type ({@code [Post!]!}) and the line that selects it. */
  private record Slot(String type, int line) {}

  /** Every place a screen answers, by response path (aliases as written): {@code me.name -> String}. */
  private static Map<String, Slot> answer(GraphQLSchema schema, Document doc) {
    Map<String, FragmentDefinition> fragments = new LinkedHashMap<>();
    for (FragmentDefinition f : doc.getDefinitionsOfType(FragmentDefinition.class)) fragments.put(f.getName(), f);
    Map<String, Slot> out = new LinkedHashMap<>();
    OperationDefinition op = doc.getDefinitionsOfType(OperationDefinition.class).get(0);
    walk(schema, schema.getQueryType(), op.getSelectionSet(), "", fragments, out, 0);
    return out;
  }

  private static void walk(GraphQLSchema schema, GraphQLFieldsContainer parent, SelectionSet set, String prefix,
      Map<String, FragmentDefinition> fragments, Map<String, Slot> out, int depth) {
    if (set == null || depth > 20) return;
    for (Selection<?> sel : set.getSelections()) {
      if (sel instanceof Field f) {
        GraphQLFieldDefinition def = parent.getFieldDefinition(f.getName());
        if (def == null) continue;
        String path = prefix + (f.getAlias() != null ? f.getAlias() : f.getName());
        out.put(path, new Slot(typeString(def.getType()), line(f)));
        GraphQLType inner = unwrap(def.getType());
        if (inner instanceof GraphQLFieldsContainer c) walk(schema, c, f.getSelectionSet(), path + ".", fragments, out, depth + 1);
      } else if (sel instanceof InlineFragment inl) {
        GraphQLFieldsContainer on = inl.getTypeCondition() == null ? parent
            : schema.getType(inl.getTypeCondition().getName()) instanceof GraphQLFieldsContainer c ? c : parent;
        walk(schema, on, inl.getSelectionSet(), prefix, fragments, out, depth + 1);
      } else if (sel instanceof FragmentSpread spread && fragments.containsKey(spread.getName())) {
        FragmentDefinition fd = fragments.get(spread.getName());
        GraphQLFieldsContainer on = schema.getType(fd.getTypeCondition().getName()) instanceof GraphQLFieldsContainer c
            ? c : parent;
        walk(schema, on, fd.getSelectionSet(), prefix, fragments, out, depth + 1);
      }
    }
  }

  private static int line(Node<?> n) {
    SourceLocation l = n.getSourceLocation();
    return l == null ? 0 : l.getLine();
  }

  private static GraphQLType unwrap(GraphQLType t) {
    while (t instanceof GraphQLNonNull || t instanceof GraphQLList) {
      t = t instanceof GraphQLNonNull nn ? nn.getWrappedType() : ((GraphQLList) t).getWrappedType();
    }
    return t;
  }

  private static String typeString(GraphQLType t) {
    if (t instanceof GraphQLNonNull nn) return typeString(nn.getWrappedType()) + "!";
    if (t instanceof GraphQLList l) return "[" + typeString(l.getWrappedType()) + "]";
    return ((GraphQLNamedType) t).getName();
  }

  /** graphql-java's schema diff of the two client contracts (what clients see), by its own levels. */
  private static void schemaDiff(GraphQLSchema before, GraphQLSchema after, Lines lines, List<Problem> breaking,
      List<Problem> dangerous) {
    CapturingReporter reporter = new CapturingReporter();
    new SchemaDiff().diffSchema(SchemaDiffSet.diffSetFromSdl(before, after), reporter);
    for (DiffEvent e : reporter.getBreakages()) breaking.add(lines.at(e, "breaking for installed apps"));
    for (DiffEvent e : reporter.getDangers()) {
      // Deprecating is the safe way to retire a field (graphql-inspector calls it non-breaking too).
      if (e.getCategory() != DiffCategory.DEPRECATION_ADDED) dangerous.add(lines.at(e, "dangerous"));
    }
  }

  /** Where a type or field is written in the new schema file, for diff events. */
  private static final class Lines {
    private final String file;
    private final TypeDefinitionRegistry registry;

    Lines(ClientBundle bundle) {
      this.file = bundle.schema().name();
      TypeDefinitionRegistry r;
      try {
        r = new SchemaParser().parse(bundle.schema().text());
      } catch (RuntimeException e) {
        r = new TypeDefinitionRegistry();
      }
      this.registry = r;
    }

    Problem at(DiffEvent e, String level) {
      int line = registry.getType(e.getTypeName()).map(t -> {
        if (e.getFieldName() != null && t instanceof ObjectTypeDefinition o) {
          for (FieldDefinition f : o.getFieldDefinitions()) {
            if (f.getName().equals(e.getFieldName())) return line(f);
          }
        }
        return line(t);
      }).orElse(0);
      String where = e.getTypeName() + (e.getFieldName() == null ? "" : "." + e.getFieldName());
      return new Problem(file, line, where + ": " + e.getReasonMsg() + " (" + level + ", "
          + e.getCategory().name().toLowerCase(Locale.ROOT) + ")");
    }
  }
}
