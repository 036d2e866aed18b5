package dev.bffkit.core.compose;

import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.SourceFile;
import graphql.ParseAndValidate;
import graphql.language.Definition;
import graphql.language.Document;
import graphql.language.OperationDefinition;
import graphql.language.SourceLocation;
import graphql.parser.InvalidSyntaxException;
import graphql.parser.Parser;
import graphql.schema.GraphQLSchema;
import graphql.validation.ValidationError;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** All screens of a bundle by name, parsed and validated against the schema at start-up. */
final class ScreenCatalog {
  private final Map<String, Screen> byName;

  private ScreenCatalog(Map<String, Screen> byName) {
    this.byName = byName;
  }

  static ScreenCatalog load(List<SourceFile> files, GraphQLSchema schema) {
    Map<String, Screen> byName = new TreeMap<>();
    for (SourceFile f : files) {
      Screen s = load(f, schema);
      if (byName.putIfAbsent(s.name(), s) != null) {
        throw new ConfigException(f.name(), 0, "a second screen named '" + s.name() + "'");
      }
    }
    return new ScreenCatalog(Collections.unmodifiableMap(byName));
  }

  /** Every screen's first problem, each screen on its own (for {@code --check}). */
  static List<ConfigException> problems(List<SourceFile> files, GraphQLSchema schema) {
    List<ConfigException> out = new ArrayList<>();
    Map<String, SourceFile> byName = new TreeMap<>();
    for (SourceFile f : files) {
      try {
        Screen s = load(f, schema);
        if (byName.putIfAbsent(s.name(), f) != null) {
          out.add(new ConfigException(f.name(), 0, "a second screen named '" + s.name() + "'"));
        }
      } catch (ConfigException e) {
        out.add(e);
      }
    }
    return out;
  }

  static String nameOf(String fileName) {
    String n = fileName.substring(fileName.lastIndexOf('/') + 1);
    return n.endsWith(".graphql") ? n.substring(0, n.length() - ".graphql".length()) : n;
  }

  private static Screen load(SourceFile f, GraphQLSchema schema) {
    Document doc;
    try {
      doc = Parser.parse(f.text());
    } catch (InvalidSyntaxException e) {
      throw new ConfigException(f.name(), line(e.getLocation()), e.getMessage());
    }
    List<OperationDefinition> ops = new ArrayList<>();
    for (Definition<?> d : doc.getDefinitions()) {
      if (d instanceof OperationDefinition o) ops.add(o);
    }
    if (ops.size() != 1) {
      int line = ops.size() > 1 ? line(ops.get(1).getSourceLocation()) : 0;
      throw new ConfigException(f.name(), line, "a screen holds exactly one operation, found " + ops.size());
    }
    OperationDefinition op = ops.get(0);
    if (op.getOperation() != OperationDefinition.Operation.QUERY) {
      throw new ConfigException(f.name(), line(op.getSourceLocation()),
          "a screen is served over GET so it must be a query, not a " + op.getOperation().name().toLowerCase());
    }
    List<ValidationError> errors = ParseAndValidate.validate(schema, doc);
    if (errors.isEmpty() && IncrementalRules.mentions(f.text())) errors = IncrementalRules.check(schema, doc);
    if (!errors.isEmpty()) {
      ValidationError e = errors.get(0);
      int line = e.getLocations() == null || e.getLocations().isEmpty() ? 0 : line(e.getLocations().get(0));
      throw new ConfigException(f.name(), line, e.getDescription() != null ? e.getDescription() : e.getMessage());
    }
    return new Screen(nameOf(f.name()), f.text(), doc, op, new VariableCoercion(schema, op.getVariableDefinitions()));
  }

  private static int line(SourceLocation loc) {
    return loc == null ? 0 : loc.getLine();
  }

  Screen get(String name) { return byName.get(name); }

  Collection<Screen> all() { return byName.values(); }
}
