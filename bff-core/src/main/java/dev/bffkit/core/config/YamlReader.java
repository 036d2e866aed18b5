package dev.bffkit.core.config;

import java.io.StringReader;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Typed access to a YAML node tree where every error names the file, the 1-based line and the
 * dotted field path. Only SnakeYAML's composer runs (no constructor), so a file can never make
 * it build Java objects. Scalar values go through {@link EnvInterpolator} before conversion.
 */
final class YamlReader {
  private final String file;
  private final EnvInterpolator env;
  /** The file of each node merged in from an {@code include:} (absent: {@link #file}). */
  private final Map<Node, String> origins = new IdentityHashMap<>();

  YamlReader(String file, EnvInterpolator env) {
    this.file = file;
    this.env = env;
  }

  /** Parses {@code text} into its root mapping (empty for an empty file). */
  Obj parseRoot(String text, Set<String> allowed) {
    Node root = compose(text);
    return new Obj("", root, root, allowed);
  }

  /**
   * Parses {@code text} with the files of its {@code include:} list merged under it: each is a fragment of the same
   * format, read by {@code includes}; a later file wins over an earlier one and {@code text} over all of them. An
   * included file may not include again. Errors in an included value name that file and line.
   */
  Obj parseRoot(String text, Set<String> allowed, Includes includes) {
    Node root = compose(text);
    if (root instanceof MappingNode mapping) {
      Obj top = new Obj("", root, root, allowed);
      if (top.has(INCLUDE)) {
        MappingNode merged = null;
        for (Scalar s : top.scalars(INCLUDE)) {
          String location = s.value.trim();
          SourceFile included;
          try {
            included = includes.read(location);
          } catch (IncludeProblem p) {
            throw s.invalid(p.getMessage());
          }
          Node node = new YamlReader(included.name(), env).compose(included.text());
          if (isAbsent(node)) continue;
          Obj fragment = new YamlReader(included.name(), env).new Obj("", node, node, allowed);
          if (fragment.has(INCLUDE)) {
            throw fragment.keyError(INCLUDE, "an included file cannot include others; list every file in the"
                + " include of " + file);
          }
          YamlMerge.own(node, included.name(), origins);
          merged = merged == null ? (MappingNode) node : YamlMerge.merge(merged, (MappingNode) node);
        }
        MappingNode own = YamlMerge.without(mapping, INCLUDE);
        root = merged == null ? own : YamlMerge.merge(merged, own);
      }
    }
    return new Obj("", root, root, allowed);
  }

  /** The key that names included files. */
  static final String INCLUDE = "include";

  /** Reads an included file by its {@code include:} entry. */
  @FunctionalInterface
  interface Includes {
    /** The file's shown name and text; {@link IncludeProblem} when it cannot be read. */
    SourceFile read(String location) throws IncludeProblem;

    /** A binary file the config names (a filter's module): classpath: or relative to the folder. */
    default byte[] bytes(String location) throws IncludeProblem {
      try {
        return ConfigFiles.read(location, null);
      } catch (ConfigFiles.Unreadable e) {
        throw new IncludeProblem(e.getMessage());
      }
    }

    /** For text parsed without a folder: any include is an error. */
    Includes NONE = location -> {
      throw new IncludeProblem("cannot be read here: this text has no folder to include from");
    };
  }

  /** Why an included file could not be read, said as the fix. */
  static final class IncludeProblem extends Exception {
    IncludeProblem(String message) {
      super(message, null, false, false);
    }
  }

  private Node compose(String text) {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(50); // no "billion laughs"
    options.setNestingDepthLimit(40);
    options.setCodePointLimit(1 << 20); // a config file of more than 1M characters is a mistake
    options.setAllowRecursiveKeys(false);
    Node root;
    try (StringReader reader = new StringReader(text)) {
      root = new Yaml(options).compose(reader);
    } catch (MarkedYAMLException e) {
      throw syntaxError(e);
    } catch (YAMLException e) {
      throw new ConfigException(file, 0, "invalid YAML: " + e.getMessage());
    }
    return root;
  }

  /** The file a node was written in: an included one, or this reader's. */
  private String fileOf(Node node) {
    return node == null ? file : origins.getOrDefault(node, file);
  }

  /** SnakeYAML's "context, problem" wording, with the line in the prefix and the column after it. */
  private ConfigException syntaxError(MarkedYAMLException e) {
    Mark at = e.getProblemMark();
    int line = at == null ? 0 : at.getLine() + 1;
    StringBuilder msg = new StringBuilder("invalid YAML: ");
    if (e.getContext() != null) {
      msg.append(e.getContext());
      Mark started = e.getContextMark();
      if (started != null && started.getLine() + 1 != line) {
        msg.append(" started at line ").append(started.getLine() + 1);
      }
      msg.append(", ");
    }
    msg.append(e.getProblem());
    if (at != null) {
      msg.append(" (column ").append(at.getColumn() + 1).append(')');
    }
    return new ConfigException(file, line, msg.toString());
  }

  ConfigException errorAt(Node at, String path, String message) {
    return new ConfigException(fileOf(at), at == null ? 0 : at.getStartMark().getLine() + 1,
        path.isEmpty() ? message : path + ": " + message);
  }

  /** A scalar after environment expansion, kept with its node and path for error messages. */
  final class Scalar {
    final String value;
    final Node node;
    final String path;

    private Scalar(Node node, String path) {
      if (!(node instanceof ScalarNode scalar)) {
        throw errorAt(node, path, "expected a single value but found " + kind(node));
      }
      try {
        this.value = env.expand(scalar.getValue());
      } catch (EnvInterpolator.Problem p) {
        throw errorAt(node, path, p.getMessage());
      }
      this.node = node;
      this.path = path;
    }

    /** Where this value was written (for errors found after parsing). */
    GrpcConfig.Pos pos() {
      return new GrpcConfig.Pos(fileOf(node), node.getStartMark().getLine() + 1, path);
    }

    /** An error about this value: {@code path: 'value' <problem>}. */
    ConfigException invalid(String problem) {
      String raw = ((ScalarNode) node).getValue();
      String shown = "'" + value + "'" + (raw.equals(value) ? "" : " (from '" + raw + "')");
      return errorAt(node, path, shown + " " + problem);
    }
  }

  /** A mapping at a dotted path; only the allowed keys may appear. An absent mapping is empty. */
  final class Obj {
    final String path;
    /** The declarations of this mapping's keys (defaults, bounds), or null for a free-form mapping. */
    private final ConfigKey.Section section;
    private final Node at;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

    /** {@code at} is where errors about the mapping as a whole point (its key, or itself). */
    private Obj(String path, Node at, Node node, Set<String> allowed) {
      this.path = path;
      this.at = at;
      this.section = ConfigKey.Section.of(allowed);
      if (isAbsent(node)) {
        return;
      }
      if (!(node instanceof MappingNode mapping)) {
        throw errorAt(node, path, "expected a mapping ("
            + (allowed == null ? "name: settings" : String.join(", ", sorted(allowed)))
            + ") but found " + kind(node));
      }
      for (NodeTuple tuple : mapping.getValue()) {
        Node keyNode = tuple.getKeyNode();
        if (!(keyNode instanceof ScalarNode scalarKey)) {
          throw errorAt(keyNode, path, "keys must be plain names, found " + kind(keyNode));
        }
        String key = scalarKey.getValue();
        if (allowed != null && !allowed.contains(key)) {
          throw errorAt(keyNode, child(key), "unknown key '" + key + "'; allowed here: "
              + String.join(", ", sorted(allowed)));
        }
        NodeTuple first = entries.putIfAbsent(key, tuple);
        if (first != null) {
          throw errorAt(keyNode, child(key), "duplicate key; first given at line "
              + (first.getKeyNode().getStartMark().getLine() + 1));
        }
      }
    }

    String child(String key) {
      return path.isEmpty() ? key : path + "." + key;
    }

    /** The keys in file order. */
    Set<String> keys() {
      return entries.keySet();
    }

    boolean has(String key) {
      NodeTuple t = entries.get(key);
      return t != null && !isAbsent(t.getValueNode());
    }

    /** Whether the value at key is one value (not a mapping or a list). */
    boolean isScalar(String key) {
      return has(key) && entries.get(key).getValueNode() instanceof ScalarNode;
    }

    /** Where this mapping was written (for errors found after parsing). */
    GrpcConfig.Pos pos() {
      return new GrpcConfig.Pos(fileOf(at), at.getStartMark().getLine() + 1, path);
    }

    /** An error about a key itself, e.g. a bad name. */
    ConfigException keyError(String key, String message) {
      return YamlReader.this.errorAt(entries.get(key).getKeyNode(), child(key), message);
    }

    /** An error about the mapping as a whole, e.g. a missing key. */
    ConfigException error(String message) {
      return YamlReader.this.errorAt(at, path, message);
    }

    /** The value at key as JSON text (a mapping or list), or as written (a scalar); null when absent. */
    String json(String key) {
      if (!has(key)) return null;
      Node n = entries.get(key).getValueNode();
      if (n instanceof ScalarNode sc) return sc.getValue();
      StringBuilder b = new StringBuilder();
      appendJson(b, n);
      return b.toString();
    }

    private void appendJson(StringBuilder b, Node n) {
      if (n instanceof MappingNode m) {
        b.append('{');
        boolean first = true;
        for (NodeTuple t : m.getValue()) {
          if (!first) b.append(',');
          first = false;
          quote(b, ((ScalarNode) t.getKeyNode()).getValue());
          b.append(':');
          appendJson(b, t.getValueNode());
        }
        b.append('}');
      } else if (n instanceof SequenceNode sq) {
        b.append('[');
        for (int i = 0; i < sq.getValue().size(); i++) {
          if (i > 0) b.append(',');
          appendJson(b, sq.getValue().get(i));
        }
        b.append(']');
      } else {
        ScalarNode sc = (ScalarNode) n;
        Tag tag = sc.getTag();
        if (tag.equals(Tag.NULL)) b.append("null");
        else if (tag.equals(Tag.INT) || tag.equals(Tag.FLOAT) || tag.equals(Tag.BOOL)) b.append(sc.getValue());
        else quote(b, sc.getValue());
      }
    }

    private void quote(StringBuilder b, String v) {
      b.append('"');
      for (int i = 0; i < v.length(); i++) {
        char c = v.charAt(i);
        if (c == '"' || c == '\\') b.append('\\').append(c);
        else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
        else b.append(c);
      }
      b.append('"');
    }

    Obj obj(String key, Set<String> allowed) {
      NodeTuple t = entries.get(key);
      return t == null ? new Obj(child(key), at, null, allowed)
          : new Obj(child(key), t.getKeyNode(), t.getValueNode(), allowed);
    }

    /**
     * The mapping at {@code key} laid over the one at {@code baseKey} (a service over {@code services.defaults}):
     * its own keys win and mappings merge; every value keeps the line it was written on.
     */
    Obj objOver(String key, String baseKey, Set<String> allowed) {
      NodeTuple own = entries.get(key);
      NodeTuple base = entries.get(baseKey);
      if (base == null || !(base.getValueNode() instanceof MappingNode b)) return obj(key, allowed);
      if (own == null || isAbsent(own.getValueNode())) {
        return new Obj(child(key), own == null ? at : own.getKeyNode(), b, allowed);
      }
      if (!(own.getValueNode() instanceof MappingNode o)) return obj(key, allowed); // its error names what it is
      return new Obj(child(key), own.getKeyNode(), YamlMerge.merge(b, o), allowed);
    }

    /** The declaration of {@code key} in this mapping's section, with a default (a programming error otherwise). */
    private ConfigKey declared(String key) {
      ConfigKey k = section == null ? null : section.key(key);
      if (k == null || k.defaultValue() == null) {
        throw new IllegalStateException(path + "." + key + " is read by its declaration, but has none with a default");
      }
      return k;
    }

    /** An integer key at its declared default and bounds. */
    int integer(String key) {
      ConfigKey k = declared(key);
      return integer(key, Integer.parseInt(k.defaultValue()), k.min().intValue(), k.max().intValue());
    }

    /** A duration key (not zero) at its declared default. */
    Duration duration(String key) {
      return duration(key, Units.duration(declared(key).defaultValue()));
    }

    /** A duration key that may be zero, at its declared default. */
    Duration durationOrZero(String key) {
      return durationOrZero(key, Units.duration(declared(key).defaultValue()));
    }

    boolean bool(String key) {
      return bool(key, Boolean.parseBoolean(declared(key).defaultValue()));
    }

    /** A size key at its declared default. */
    int bytes(String key) {
      return bytes(key, (int) Units.bytes(declared(key).defaultValue()));
    }

    /** A share key (0..1) at its declared default. */
    double share(String key) {
      String def = declared(key).defaultValue();
      double d = def.endsWith("%") ? new BigDecimal(def.substring(0, def.length() - 1)).movePointLeft(2).doubleValue()
          : Double.parseDouble(def);
      return share(key, d, 1);
    }

    String string(String key) {
      return string(key, declared(key).defaultValue());
    }

    /** The value at key, required. */
    Scalar scalar(String key, String hint) {
      if (!has(key)) {
        throw error("missing '" + key + "'; " + hint);
      }
      return new Scalar(entries.get(key).getValueNode(), child(key));
    }

    String string(String key, String def) {
      return has(key) ? scalar(key, "").value : def;
    }

    int integer(String key, int def, int min, int max) {
      if (!has(key)) {
        return def;
      }
      Scalar s = scalar(key, "");
      int n;
      try {
        n = Integer.parseInt(s.value.trim());
      } catch (NumberFormatException e) {
        throw s.invalid("is not a whole number; write e.g. " + def);
      }
      if (n < min || n > max) {
        throw s.invalid(max == Integer.MAX_VALUE ? "must be at least " + min
            : "must be between " + min + " and " + max);
      }
      return n;
    }

    /** A share: {@code 0.2} or {@code 20%}, between 0 and {@code max}. */
    double share(String key, double def, double max) {
      if (!has(key)) {
        return def;
      }
      Scalar s = scalar(key, "");
      String v = s.value.trim();
      boolean percent = v.endsWith("%");
      double d;
      try {
        // Decimal arithmetic: 99.9% is 0.999, not 0.9990000000000001 (an SLO's budget is 1 - it).
        d = percent ? new BigDecimal(v.substring(0, v.length() - 1).trim()).movePointLeft(2).doubleValue()
            : Double.parseDouble(v);
      } catch (NumberFormatException e) {
        throw s.invalid("is not a share; write e.g. 0.2 or 20%");
      }
      if (!(d >= 0 && d <= max)) {
        throw s.invalid("must be between 0 and " + (max == 1 ? "1 (100%)" : String.valueOf(max)));
      }
      return d;
    }

    /** A duration that may be zero (e.g. "off"). */
    Duration durationOrZero(String key, Duration def) {
      if (!has(key)) {
        return def;
      }
      Scalar s = scalar(key, "");
      Duration d = Units.duration(s.value);
      if (d == null) {
        throw s.invalid("is not a duration; write e.g. 0, 250ms, 10s, 2m or 1h (a bare number is milliseconds)");
      }
      return d;
    }

    boolean bool(String key, boolean def) {
      if (!has(key)) {
        return def;
      }
      Scalar s = scalar(key, "");
      return switch (s.value.trim()) {
        case "true" -> true;
        case "false" -> false;
        default -> throw s.invalid("is not a boolean; write true or false");
      };
    }

    /** A positive duration. */
    Duration duration(String key, Duration def) {
      if (!has(key)) {
        return def;
      }
      Scalar s = scalar(key, "");
      Duration d = Units.duration(s.value);
      if (d == null) {
        throw s.invalid("is not a duration; write e.g. 250ms, 10s, 2m, 1h or 30d (a bare number is milliseconds)");
      }
      if (d.isZero()) {
        throw s.invalid("must be positive; write e.g. 250ms or 10s");
      }
      return d;
    }

    /** A positive byte count that fits in an int. */
    int bytes(String key, int def) {
      if (!has(key)) {
        return def;
      }
      Scalar s = scalar(key, "");
      long n = Units.bytes(s.value);
      if (n < 0) {
        throw s.invalid("is not a size; write e.g. 8192, 64kb or 1mb (at most 2047mb)");
      }
      if (n == 0) {
        throw s.invalid("must be positive; write e.g. 8192, 64kb or 1mb");
      }
      return (int) n;
    }

    /** The value at key as a list of nodes with their paths; a single scalar counts as a list of one. */
    List<Scalar> scalars(String key) {
      List<Scalar> out = new ArrayList<>();
      for (Object item : items(key, null, false)) out.add((Scalar) item);
      return out;
    }

    /**
     * The value at key as a list whose items are each a {@link Scalar} or, when written as a
     * mapping, an {@link Obj} allowing the given keys; a single scalar counts as a list of one.
     */
    List<Object> scalarsOrObjs(String key, Set<String> allowed) {
      return items(key, allowed, true);
    }

    /** Scalars, and with {@code mappings} mappings as {@link Obj}s (else a mapping item is an error). */
    private List<Object> items(String key, Set<String> allowed, boolean mappings) {
      List<Object> out = new ArrayList<>();
      if (!has(key)) {
        return out;
      }
      Node node = entries.get(key).getValueNode();
      if (node instanceof ScalarNode) {
        out.add(new Scalar(node, child(key)));
        return out;
      }
      List<Node> items = sequence(node, child(key));
      for (int i = 0; i < items.size(); i++) {
        Node item = items.get(i);
        String itemPath = child(key) + "[" + i + "]";
        out.add(mappings && item instanceof MappingNode ? new Obj(itemPath, item, item, allowed) : new Scalar(item, itemPath));
      }
      return out;
    }

    /** The value at key as a list of mappings, each allowing the given keys. */
    List<Obj> objs(String key, Set<String> allowed) {
      List<Obj> out = new ArrayList<>();
      if (!has(key)) {
        return out;
      }
      List<Node> items = sequence(entries.get(key).getValueNode(), child(key));
      for (int i = 0; i < items.size(); i++) {
        Node item = items.get(i);
        String itemPath = child(key) + "[" + i + "]";
        if (isAbsent(item)) {
          throw YamlReader.this.errorAt(item, itemPath, "empty list item; remove the lone '-'");
        }
        out.add(new Obj(itemPath, item, item, allowed));
      }
      return out;
    }
  }

  private List<Node> sequence(Node node, String path) {
    if (!(node instanceof SequenceNode seq)) {
      throw errorAt(node, path, "expected a list but found " + kind(node));
    }
    return seq.getValue();
  }

  /** {@code key:} with nothing after it, or {@code ~}/{@code null}, counts as not given. */
  private static boolean isAbsent(Node node) {
    return node == null || (node instanceof ScalarNode && node.getTag().equals(Tag.NULL));
  }

  private static String kind(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    return "'" + ((ScalarNode) node).getValue() + "'";
  }

  private static Set<String> sorted(Set<String> keys) {
    return keys == null ? Set.of() : new TreeSet<>(keys);
  }
}
