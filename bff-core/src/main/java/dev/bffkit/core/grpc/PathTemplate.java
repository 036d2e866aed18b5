package dev.bffkit.core.grpc;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code google.api.http} path template: literal segments, {@code *} (one segment),
 * {@code **} (the rest), variables {@code {field.path}} (one segment) or
 * {@code {field.path=segments/*}} (their own sub-template), and an optional {@code :verb}.
 * Compiled once; {@link #match} returns the variables' decoded values or null.
 */
final class PathTemplate {
  /** One segment: a literal, "*" or "**"; variable names the field that segments [from, to) fill. */
  private record Segment(String literal, boolean any, boolean rest) {}

  private record Variable(String field, int from, int to) {}

  private final String text;
  private final Segment[] segments;
  private final Variable[] variables;
  private final String verb;

  private PathTemplate(String text, Segment[] segments, Variable[] variables, String verb) {
    this.text = text;
    this.segments = segments;
    this.variables = variables;
    this.verb = verb;
  }

  String text() {
    return text;
  }

  /** The literal segments before the first variable or wildcard, as a path ({@code /rest/v1/users/}). */
  String literalPrefix() {
    StringBuilder b = new StringBuilder("/");
    for (Segment s : segments) {
      if (s.literal == null || s.any || s.rest) break;
      b.append(s.literal).append('/');
    }
    return b.toString();
  }

  /** The field paths bound by the path. */
  List<String> fields() {
    List<String> out = new ArrayList<>();
    for (Variable v : variables) out.add(v.field);
    return out;
  }

  static PathTemplate compile(String prefix, String text) {
    if (!text.startsWith("/")) throw new IllegalArgumentException("path template '" + text + "' must start with '/'");
    String body = text.substring(1);
    String verb = null;
    int lastSlash = body.lastIndexOf('/');
    int colon = body.lastIndexOf(':');
    if (colon > lastSlash && body.lastIndexOf('}') < colon) {
      verb = body.substring(colon + 1);
      body = body.substring(0, colon);
    }
    List<Segment> segs = new ArrayList<>();
    List<Variable> vars = new ArrayList<>();
    if (!prefix.isEmpty()) {
      for (String p : prefix.substring(1).split("/")) segs.add(new Segment(p, false, false));
    }
    int i = 0;
    while (i < body.length()) {
      int end;
      if (body.charAt(i) == '{') {
        int close = body.indexOf('}', i);
        if (close < 0) throw new IllegalArgumentException("unclosed '{' in path template '" + text + "'");
        String inner = body.substring(i + 1, close);
        int eq = inner.indexOf('=');
        String field = eq < 0 ? inner : inner.substring(0, eq);
        String sub = eq < 0 ? "*" : inner.substring(eq + 1);
        int from = segs.size();
        for (String s : sub.split("/")) segs.add(segment(s));
        vars.add(new Variable(field.trim(), from, segs.size()));
        end = close + 1;
      } else {
        int slash = body.indexOf('/', i);
        end = slash < 0 ? body.length() : slash;
        segs.add(segment(body.substring(i, end)));
      }
      if (end < body.length() && body.charAt(end) != '/') {
        throw new IllegalArgumentException("unexpected '" + body.charAt(end) + "' in path template '" + text + "'");
      }
      i = end + 1;
    }
    for (int k = 0; k < segs.size() - 1; k++) {
      if (segs.get(k).rest) throw new IllegalArgumentException("'**' must be last in path template '" + text + "'");
    }
    return new PathTemplate(prefix + text, segs.toArray(Segment[]::new), vars.toArray(Variable[]::new), verb);
  }

  private static Segment segment(String s) {
    return switch (s) {
      case "*" -> new Segment(null, true, false);
      case "**" -> new Segment(null, true, true);
      default -> new Segment(s, false, false);
    };
  }

  /** The variables of a request path (raw, still percent-encoded), or null when it does not match. */
  Map<String, String> match(String rawPath) {
    String path = rawPath;
    if (verb != null) {
      if (!path.endsWith(":" + verb)) return null;
      path = path.substring(0, path.length() - verb.length() - 1);
    }
    if (!path.startsWith("/")) return null;
    String[] parts = path.substring(1).split("/", -1);
    int[] start = new int[segments.length + 1];
    int p = 0;
    for (int s = 0; s < segments.length; s++) {
      start[s] = p;
      Segment seg = segments[s];
      if (seg.rest) {
        p = parts.length;
        break;
      }
      if (p >= parts.length) return null;
      if (seg.literal != null ? !seg.literal.equals(parts[p]) : parts[p].isEmpty()) return null;
      p++;
    }
    start[segments.length] = p;
    if (p != parts.length) return null;
    Map<String, String> out = new LinkedHashMap<>(variables.length * 2);
    for (Variable v : variables) {
      StringBuilder sb = new StringBuilder();
      int to = start[v.to]; // '**' is last, so its variable ends at the path's end
      for (int k = start[v.from]; k < to; k++) {
        if (sb.length() > 0) sb.append('/');
        // one segment: %2F stays a slash inside the value; multi-segment values keep the slashes
        sb.append(URLDecoder.decode(parts[k].replace("+", "%2B"), StandardCharsets.UTF_8));
      }
      out.put(v.field, sb.toString());
    }
    return out;
  }

  @Override
  public String toString() {
    return text;
  }
}
