package dev.bffkit.core.contract;

import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.compose.Screen;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.SourceFile;
import graphql.ParseAndValidate;
import graphql.language.Document;
import graphql.language.EnumTypeDefinition;
import graphql.language.Field;
import graphql.language.FragmentDefinition;
import graphql.language.FragmentSpread;
import graphql.language.InlineFragment;
import graphql.language.InputObjectTypeDefinition;
import graphql.language.ListType;
import graphql.language.NamedNode;
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
    schemaDiff(before.schema(), after.schema(), new Lines(current, old), breaking, dangerous);
    Map<String, SourceFile> newFiles = new LinkedHashMap<>();
    for (SourceFile f : current.screens()) newFiles.put(name(f), f);
    for (Screen s : before.screens()) {
      SourceFile now = newFiles.get(s.name());
      String oldFile = old.screens().stream().filter(f -> name(f).equals(s.name())).findFirst().map(SourceFile::name)
          .orElse(s.name());
      Document oldDoc = Parser.parse(s.query());
      if (now == null) {
        breaking.add(new Problem(oldFile, operationLine(oldDoc), "screen '" + s.name() + "' was removed: installed apps calling GET"
            + " /v1/screens/" + s.name() + " get 404; keep it (it may return less) until no installed version calls it"));
        continue;
      }
      for (ValidationError e : ParseAndValidate.validate(after.schema(), oldDoc)) {
        // The error's line is in the old file: say so, so nobody looks for it in the new one.
        String at = e.getLocations() == null || e.getLocations().isEmpty() ? ""
            : " (line " + e.getLocations().get(0).getLine() + " of the old " + oldFile + ")";
        breaking.add(new Problem(now.name(), 0, "the old '" + s.name() + "' operation no longer validates against the"
            + " new schema" + at + ": installed apps calling it by hash or by text get errors instead of data: "
            + e.getDescription() + "; keep what it uses (deprecate it with @deprecated) until no installed version calls it"));
      }
      Screen next = after.screen(s.name());
      Document nextDoc = Parser.parse(next.query());
      variables(s, next, now.name(), operationLine(nextDoc), breaking, dangerous);
      Map<String, Slot> was = answer(before.schema(), oldDoc);
      Map<String, Slot> is = answer(after.schema(), nextDoc);
      was.forEach((path, slot) -> {
        Slot n = is.get(path);
        if (n == null) {
          breaking.add(new Problem(now.name(), nearest(is, path, operationLine(nextDoc)), "'" + path + "' is no longer in the " + s.name() + " answer;"
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

  /** The line of the closest enclosing field the new answer still has ({@code me} for a gone {@code me.avatar}). */
  private static int nearest(Map<String, Slot> answer, String path, int operationLine) {
    for (int dot = path.lastIndexOf('.'); dot > 0; dot = path.lastIndexOf('.', dot - 1)) {
      Slot parent = answer.get(path.substring(0, dot));
      if (parent != null) return parent.line();
    }
    return operationLine;
  }

  private static String name(SourceFile f) {
    String n = f.name().substring(f.name().lastIndexOf('/') + 1);
    return n.endsWith(".graphql") ? n.substring(0, n.length() - ".graphql".length()) : n;
  }

  private static void variables(Screen old, Screen now, String file, int operationLine, List<Problem> breaking,
      List<Problem> dangerous) {
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
      // VariableCoercion ignores query parameters a screen does not declare, so old apps get an answer, not a 400.
      dangerous.add(new Problem(file, operationLine, "variable $" + gone + " was removed: installed apps still send ?" + gone
          + "=..., which is now ignored (the answer may differ from what they asked for); keep it if its value still matters"));
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

  /** A screen's text is its file's, so lines in its document are the file's lines. */
  private static int operationLine(Document doc) {
    return line(doc.getDefinitionsOfType(OperationDefinition.class).get(0));
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
    for (DiffEvent e : reporter.getBreakages()) breaking.add(lines.at(e, "breaking: " + fix(e, true)));
    for (DiffEvent e : reporter.getDangers()) {
      // Deprecating is the safe way to retire a field (graphql-inspector calls it non-breaking too).
      if (e.getCategory() != DiffCategory.DEPRECATION_ADDED) dangerous.add(lines.at(e, "dangerous: " + fix(e, false)));
    }
  }

  /** What an installed app would see, and the usual fix, by graphql-java's category of the change. */
  private static String fix(DiffEvent e, boolean breaking) {
    if (!breaking) {
      return e.getCategory() == DiffCategory.ADDITION
          ? "installed apps may receive a value they do not know; make sure they handle unknown values"
          : "installed apps may behave differently";
    }
    return switch (e.getCategory()) {
      case MISSING -> "operations of installed apps that use it no longer validate; keep it and deprecate it with"
          + " @deprecated until no installed version uses it";
      case STRICTER, ADDITION -> "installed apps do not send it and their operations fail; make it optional (nullable"
          + " or with a default)";
      case INVALID, DIFFERENT -> "installed apps' operations or generated types no longer fit; keep the old type and add"
          + " a new field or type for the new one";
      default -> "installed apps' operations may fail";
    };
  }

  /**
   * Where a type, field (of an object or input type) or enum value is written in the new schema file, and where it was
   * in the old one when it is gone.
   */
  private static final class Lines {
    private final String file;
    private final TypeDefinitionRegistry registry;
    private final TypeDefinitionRegistry oldRegistry;

    Lines(ClientBundle bundle, ClientBundle old) {
      this.file = bundle.schema().name();
      this.registry = parse(bundle.schema().text());
      this.oldRegistry = parse(old.schema().text());
    }

    private static TypeDefinitionRegistry parse(String sdl) {
      try {
        return new SchemaParser().parse(sdl);
      } catch (RuntimeException e) {
        return new TypeDefinitionRegistry();
      }
    }

    Problem at(DiffEvent e, String what) {
      // Something gone points at its type in the new file (where to put it back) and says where it was: both
      // versions' files have the same name, so an old line alone would mislead.
      int line = find(registry, e, true);
      String was = "";
      if (line == 0) {
        int old = find(oldRegistry, e, true);
        if (old != 0) was = "; it was at line " + old + " of the installed version";
        line = find(registry, e, false);
      }
      String where = e.getTypeName() + (e.getFieldName() == null ? "" : "." + e.getFieldName());
      return new Problem(file, line, where + ": " + e.getReasonMsg() + was + " (" + what + ")");
    }

    /** The member's line ({@code exact}: 0 when the type lacks it), else the type's; 0 when the type is not there. */
    private static int find(TypeDefinitionRegistry r, DiffEvent e, boolean exact) {
      return r.getType(e.getTypeName()).map(t -> {
        String member = e.getFieldName();
        if (member != null) {
          List<? extends Node<?>> members = t instanceof ObjectTypeDefinition o ? o.getFieldDefinitions()
              : t instanceof InputObjectTypeDefinition i ? i.getInputValueDefinitions()
              : t instanceof EnumTypeDefinition en ? en.getEnumValueDefinitions() : List.of();
          for (Node<?> m : members) {
            if (m instanceof NamedNode<?> n && member.equals(n.getName())) return line(m);
          }
          if (exact) return 0;
        }
        return line(t);
      }).orElse(0);
    }
  }
}
