package dev.bffkit.core.compose;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An upstream path template such as {@code /users/{ctx.sub}/posts?limit={args.first}},
 * compiled once at start-up into literal and reference parts. Rendering encodes every
 * substituted value for where it sits (one path segment, or one query component), so request
 * values can never change the shape of the URL.
 *
 * <p>A null value in the path is an error ({@code missing value for {args.x}}); in the query it
 * drops the whole {@code name=value} pair. A list in the query repeats the pair per element.
 */
public final class Template {

  /** Where a reference reads its value. {@code keys} only exists in batch paths. */
  public enum Root {
    ARGS, SOURCE, CTX, HEADER, KEYS;

    final String lower = name().toLowerCase();
  }

  /** One {@code {root.path}} reference; {@code name} is the first path segment (or the header name). */
  public record Ref(Root root, String name, Selector path, String text) {}

  /** Supplies the value of a reference for one render. */
  @FunctionalInterface
  public interface Values {
    Object get(Ref ref);
  }

  private sealed interface Part permits Literal, RefPart {}
  private record Literal(String text) implements Part {}
  private record RefPart(Ref ref) implements Part {}
  private record QueryPair(String name, boolean hasEquals, Part[] value) {}

  private final String text;
  private final Part[] pathParts;
  private final QueryPair[] query;
  private final List<Ref> refs;

  private Template(String text, Part[] pathParts, QueryPair[] query, List<Ref> refs) {
    this.text = text;
    this.pathParts = pathParts;
    this.query = query;
    this.refs = refs;
  }

  public String text() { return text; }

  /** Every reference, in order of appearance (for start-up checks). */
  public List<Ref> refs() { return refs; }

  /**
   * Compiles {@code text}; {@link IllegalArgumentException} with a message for the config
   * error when the syntax is wrong or a root is not in {@code allowed}.
   */
  public static Template compile(String text, Set<Root> allowed) {
    if (text == null || !text.startsWith("/")) {
      throw new IllegalArgumentException("path '" + text + "' must start with '/'");
    }
    for (int c = 0; c < text.length(); c++) {
      char ch = text.charAt(c);
      // Found by TemplateFuzzTest: a literal CR/LF would end the upstream request line early.
      if (ch < 0x20 || ch == 0x7f || Character.isWhitespace(ch)) {
        throw new IllegalArgumentException("path must not contain whitespace or control characters (at index " + c
            + "); percent-encode them, e.g. %20");
      }
    }
    List<Part> tokens = tokenize(text, allowed);
    List<Part> path = new ArrayList<>();
    List<QueryPair> query = new ArrayList<>();
    List<Ref> refs = new ArrayList<>();
    int i = 0;
    // Path: until the first '?' in literal text.
    String rest = null;
    for (; i < tokens.size(); i++) {
      Part p = tokens.get(i);
      if (p instanceof RefPart r) {
        path.add(p);
        refs.add(r.ref());
        continue;
      }
      String lit = ((Literal) p).text();
      int q = lit.indexOf('?');
      if (q < 0) {
        path.add(p);
        continue;
      }
      if (q > 0) path.add(new Literal(lit.substring(0, q)));
      rest = lit.substring(q + 1);
      i++;
      break;
    }
    if (rest != null) {
      // Query: re-tokenize as pairs split on '&' in literal text.
      List<Part> queryTokens = new ArrayList<>();
      if (!rest.isEmpty()) queryTokens.add(new Literal(rest));
      queryTokens.addAll(tokens.subList(i, tokens.size()));
      String name = null;
      StringBuilder nameBuf = new StringBuilder();
      List<Part> value = new ArrayList<>();
      for (Part p : queryTokens) {
        if (p instanceof RefPart r) {
          if (name == null) {
            throw new IllegalArgumentException("'" + r.ref().text() + "' in a query parameter name in '"
                + text + "'; write name={...}");
          }
          value.add(p);
          refs.add(r.ref());
          continue;
        }
        String lit = ((Literal) p).text();
        int start = 0;
        for (int k = 0; k < lit.length(); k++) {
          char c = lit.charAt(k);
          if (c == '&') {
            if (name == null) nameBuf.append(lit, start, k); else if (k > start) value.add(new Literal(lit.substring(start, k)));
            addPair(query, name == null ? nameBuf.toString() : name, name != null, value);
            name = null;
            nameBuf.setLength(0);
            value = new ArrayList<>();
            start = k + 1;
          } else if (c == '=' && name == null) {
            nameBuf.append(lit, start, k);
            name = nameBuf.toString();
            start = k + 1;
          }
        }
        if (start < lit.length()) {
          if (name == null) nameBuf.append(lit, start, lit.length());
          else value.add(new Literal(lit.substring(start)));
        }
      }
      addPair(query, name == null ? nameBuf.toString() : name, name != null, value);
    }
    if (text.indexOf('#') >= 0) throw new IllegalArgumentException("'#' is not allowed in path '" + text + "'");
    return new Template(text, path.toArray(new Part[0]), query.toArray(new QueryPair[0]),
        Collections.unmodifiableList(refs));
  }

  private static void addPair(List<QueryPair> query, String name, boolean hasEquals, List<Part> value) {
    if (name.isEmpty() && value.isEmpty()) return; // "a=1&&b=2" or a trailing '&'
    if (name.isEmpty()) throw new IllegalArgumentException("query parameter without a name");
    query.add(new QueryPair(name, hasEquals, value.toArray(new Part[0])));
  }

  private static List<Part> tokenize(String text, Set<Root> allowed) {
    List<Part> out = new ArrayList<>();
    int lit = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '}') throw new IllegalArgumentException("unmatched '}' in '" + text + "'");
      if (c != '{') continue;
      int end = text.indexOf('}', i + 1);
      if (end < 0) throw new IllegalArgumentException("unclosed '{' in '" + text + "'");
      if (i > lit) out.add(new Literal(text.substring(lit, i)));
      out.add(new RefPart(parseRef(text.substring(i + 1, end), allowed)));
      i = end;
      lit = end + 1;
    }
    if (lit < text.length()) out.add(new Literal(text.substring(lit)));
    return out;
  }

  /** Parses {@code args.x.y} (without braces) into a reference; shared with {@link JsonTemplate}. */
  static Ref parseRef(String inner, Set<Root> allowed) {
    String shown = "{" + inner + "}";
    if (inner.indexOf('{') >= 0) throw new IllegalArgumentException("nested '{' in " + shown);
    int dot = inner.indexOf('.');
    String rootName = dot < 0 ? inner : inner.substring(0, dot);
    Root root = null;
    for (Root r : Root.values()) {
      if (r.lower.equals(rootName)) root = r;
    }
    if (root == null || !allowed.contains(root)) {
      throw new IllegalArgumentException("unknown reference " + shown + "; use "
          + String.join(", ", allowed.stream().map(r -> r == Root.KEYS ? "{keys}" : "{" + r.lower + ".x}").toList()));
    }
    if (root == Root.KEYS) {
      if (dot >= 0) throw new IllegalArgumentException("write {keys}, not " + shown);
      return new Ref(root, "keys", Selector.compile(null), shown);
    }
    String path = dot < 0 ? "" : inner.substring(dot + 1);
    if (path.isEmpty()) throw new IllegalArgumentException(shown + " needs a name, e.g. {" + rootName + ".id}");
    if (root == Root.HEADER) {
      if (!path.matches("[A-Za-z0-9-]+")) throw new IllegalArgumentException("bad header name in " + shown);
      return new Ref(root, path.toLowerCase(), Selector.compile(null), shown);
    }
    for (String seg : path.split("\\.", -1)) {
      if (!seg.matches("[A-Za-z0-9_]+")) throw new IllegalArgumentException("bad name '" + seg + "' in " + shown);
    }
    int d2 = path.indexOf('.');
    String first = d2 < 0 ? path : path.substring(0, d2);
    return new Ref(root, first, Selector.compile(path), shown);
  }

  /** Renders path and query; {@link TemplateValueException} when a path value is missing. */
  public String render(Values values) {
    StringBuilder sb = new StringBuilder(text.length() + 32);
    for (Part p : pathParts) {
      if (p instanceof Literal l) {
        sb.append(l.text());
        continue;
      }
      Ref ref = ((RefPart) p).ref();
      Object v = values.get(ref);
      if (ref.root() == Root.KEYS) {
        appendKeys(sb, v);
        continue;
      }
      String s = scalar(ref, v);
      if (s == null || s.isEmpty()) throw TemplateValueException.of("missing value", ref);
      // "." and ".." are unreserved yet would be read as dot-segments by the upstream.
      if (s.equals(".") || s.equals("..")) throw TemplateValueException.of("bad value", ref);
      Percent.appendEncoded(sb, s);
    }
    char sep = '?';
    for (QueryPair pair : query) {
      sep = appendPair(sb, sep, pair, values);
    }
    return sb.toString();
  }

  private static char appendPair(StringBuilder sb, char sep, QueryPair pair, Template.Values values) {
    Part[] parts = pair.value();
    // A lone list-valued reference repeats the pair: ids={args.ids} -> ids=1&ids=2.
    if (parts.length == 1 && parts[0] instanceof RefPart r && r.ref().root() != Root.KEYS) {
      Object v = values.get(r.ref());
      if (v instanceof List<?> list) {
        for (Object item : list) {
          String s = scalar(r.ref(), item);
          if (s == null) continue;
          sb.append(sep).append(pair.name()).append('=');
          Percent.appendEncoded(sb, s);
          sep = '&';
        }
        return sep;
      }
    }
    int mark = sb.length();
    sb.append(sep).append(pair.name());
    if (!pair.hasEquals()) return '&'; // a bare flag such as "?verbose"
    sb.append('=');
    for (Part p : parts) {
      if (p instanceof Literal l) {
        sb.append(l.text());
        continue;
      }
      Ref ref = ((RefPart) p).ref();
      Object v = values.get(ref);
      if (ref.root() == Root.KEYS) {
        appendKeys(sb, v);
        continue;
      }
      String s = scalar(ref, v);
      if (s == null) {
        sb.setLength(mark); // null drops the whole pair
        return sep;
      }
      Percent.appendEncoded(sb, s);
    }
    return '&';
  }

  private static void appendKeys(StringBuilder sb, Object v) {
    boolean first = true;
    for (Object k : (List<?>) v) {
      if (!first) sb.append(',');
      Percent.appendEncoded(sb, String.valueOf(k));
      first = false;
    }
  }

  /** The text form of a scalar value; null for null; an error for objects and lists. */
  static String scalar(Ref ref, Object v) {
    if (v == null) return null;
    if (v instanceof String s) return s;
    if (v instanceof BigDecimal d) return d.toPlainString();
    if (v instanceof Number || v instanceof Boolean) return v.toString();
    if (v instanceof Map<?, ?> || v instanceof List<?>) {
      throw TemplateValueException.of("not a scalar value", ref);
    }
    return v.toString();
  }

  public static final Set<Root> FIELD_ROOTS = EnumSet.of(Root.ARGS, Root.SOURCE, Root.CTX, Root.HEADER);
  public static final Set<Root> BATCH_ROOTS = EnumSet.of(Root.KEYS, Root.CTX, Root.HEADER);

  @Override
  public String toString() { return text; }
}
