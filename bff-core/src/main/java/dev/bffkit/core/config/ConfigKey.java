package dev.bffkit.core.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One bff.yaml key, declared once: its name, type, default (as written in YAML), bounds or words, and a one-line
 * doc. {@link ConfigKeys} holds them all; the parser's allowed keys, the reference ({@code docs/config-reference.md})
 * and the JSON Schema ({@code docs/bff.schema.json}) come from there, and a test proves each declared default is the
 * parser's. Like Helidon's config blueprints and Envoy's proto-described config: the declaration is the contract.
 */
public record ConfigKey(String name, Type type, String defaultValue, Long min, Long max, List<String> words, String doc,
    Section section) {

  /** How a value is written. */
  public enum Type {
    STRING("string"), BOOL("boolean"), INT("integer"), NUMBER("number"), DURATION("duration"), SIZE("size"),
    SHARE("share"),
    WORD("word"), STRINGS("list of strings"), SECTION("mapping"), SECTIONS("list of mappings"),
    NAMED("mapping of names"), NAMED_STRINGS("mapping of names to strings"),
    NAMED_LISTS("mapping of names to lists of strings"), ANY("see description");

    final String shown;

    Type(String shown) {
      this.shown = shown;
    }
  }

  /** A mapping of keys at a dotted path ({@code services.<name>.retry}, {@code routes[]}). */
  public static final class Section {
    private final String path;
    private final String doc;
    private final Map<String, ConfigKey> keys = new LinkedHashMap<>();

    /** The allowed-key sets handed to the parser, each once: the parser finds a mapping's section by its set. */
    private static final Map<Set<String>, Section> BY_NAMES = Collections.synchronizedMap(new IdentityHashMap<>());
    private final Set<String> names;

    Section(String path, String doc, List<ConfigKey> keys) {
      this.path = path;
      this.doc = doc;
      for (ConfigKey k : keys) {
        if (this.keys.put(k.name(), k) != null) throw new IllegalStateException(path + "." + k.name() + " declared twice");
      }
      this.names = Collections.unmodifiableSet(new LinkedHashSet<>(this.keys.keySet()));
      BY_NAMES.put(names, this);
    }

    /** The section whose {@link #names()} (or {@link #withRetired}) set this is, or null (e.g. free-form mappings). */
    static Section of(Set<String> allowed) {
      return allowed == null ? null : BY_NAMES.get(allowed);
    }

    /** The key {@code name}, or null. */
    ConfigKey key(String name) {
      return keys.get(name);
    }

    public String path() {
      return path;
    }

    public String doc() {
      return doc;
    }

    public List<ConfigKey> keys() {
      return List.copyOf(keys.values());
    }

    /** The allowed keys, in declaration order (one instance per section: see {@link #of}). */
    public Set<String> names() {
      return names;
    }

    /**
     * The allowed keys plus retired ones: still read, only to say what replaced them (never documented).
     */
    public Set<String> withRetired(String... retired) {
      Set<String> all = new LinkedHashSet<>(keys.keySet());
      all.addAll(List.of(retired));
      Set<String> set = Collections.unmodifiableSet(all);
      BY_NAMES.put(set, this);
      return set;
    }

    /** This section and every section under it, depth first. */
    public List<Section> all() {
      List<Section> out = new ArrayList<>();
      out.add(this);
      for (ConfigKey k : keys.values()) if (k.section() != null) out.addAll(k.section().all());
      return out;
    }
  }

  static Section section(String path, String doc, ConfigKey... keys) {
    return new Section(path, doc, List.of(keys));
  }

  static ConfigKey string(String name, String def, String doc) {
    return new ConfigKey(name, Type.STRING, def, null, null, List.of(), doc, null);
  }

  static ConfigKey bool(String name, String def, String doc) {
    return new ConfigKey(name, Type.BOOL, def, null, null, List.of(), doc, null);
  }

  static ConfigKey integer(String name, String def, long min, long max, String doc) {
    return new ConfigKey(name, Type.INT, def, min, max, List.of(), doc, null);
  }

  static ConfigKey number(String name, String def, long min, long max, String doc) {
    return new ConfigKey(name, Type.NUMBER, def, min, max, List.of(), doc, null);
  }

  static ConfigKey duration(String name, String def, String doc) {
    return new ConfigKey(name, Type.DURATION, def, null, null, List.of(), doc, null);
  }

  static ConfigKey size(String name, String def, String doc) {
    return new ConfigKey(name, Type.SIZE, def, null, null, List.of(), doc, null);
  }

  static ConfigKey share(String name, String def, String doc) {
    return new ConfigKey(name, Type.SHARE, def, null, null, List.of(), doc, null);
  }

  static ConfigKey word(String name, String def, List<String> words, String doc) {
    return new ConfigKey(name, Type.WORD, def, null, null, List.copyOf(words), doc, null);
  }

  static ConfigKey strings(String name, String doc) {
    return new ConfigKey(name, Type.STRINGS, null, null, null, List.of(), doc, null);
  }

  static ConfigKey any(String name, String doc) {
    return new ConfigKey(name, Type.ANY, null, null, null, List.of(), doc, null);
  }

  static ConfigKey sub(String name, Section s) {
    return new ConfigKey(name, Type.SECTION, null, null, null, List.of(), s.doc(), s);
  }

  static ConfigKey list(String name, Section s) {
    return new ConfigKey(name, Type.SECTIONS, null, null, null, List.of(), s.doc(), s);
  }

  static ConfigKey named(String name, Section s) {
    return new ConfigKey(name, Type.NAMED, null, null, null, List.of(), s.doc(), s);
  }

  static ConfigKey namedStrings(String name, String doc) {
    return new ConfigKey(name, Type.NAMED_STRINGS, null, null, null, List.of(), doc, null);
  }

  static ConfigKey namedLists(String name, String doc) {
    return new ConfigKey(name, Type.NAMED_LISTS, null, null, null, List.of(), doc, null);
  }
}
