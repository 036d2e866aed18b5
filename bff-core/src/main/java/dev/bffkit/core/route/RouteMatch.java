package dev.bffkit.core.route;

import java.util.Map;
import java.util.function.Function;

/** How a route matches a request path. Compiled once; matching allocates only a template's variables. */
public sealed interface RouteMatch {
  /** The match as the route table prints it, e.g. {@code prefix /api/posts}. */
  String describe();

  /** The route as OpenTelemetry's {@code http.route} wants it: {@code /v1/screens/home}, {@code /api/posts/*}, {@code /v1/{name=users/*}}. */
  String template();

  /** Exactly this path. */
  record Exact(String path) implements RouteMatch {
    @Override
    public String describe() {
      return "exact " + path;
    }

    @Override
    public String template() {
      return path;
    }
  }

  /**
   * This path and everything under it, at a segment boundary: {@code /api/posts} takes
   * {@code /api/posts} and {@code /api/posts/1} but not {@code /api/postsX}.
   */
  record Prefix(String prefix) implements RouteMatch {
    @Override
    public String describe() {
      return "prefix " + prefix;
    }

    @Override
    public String template() {
      return prefix.endsWith("/") ? prefix + "*" : prefix + "/*";
    }

    public boolean matches(String path) {
      return path.startsWith(prefix)
          && (path.length() == prefix.length()
              || prefix.charAt(prefix.length() - 1) == '/'
              || path.charAt(prefix.length()) == '/');
    }

    /** The prefix without a trailing slash: {@code /api/} and {@code /api} route the same paths. */
    String normalized() {
      return prefix.length() > 1 && prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    }
  }

  /**
   * A path template with variables (transcoding's {@code google.api.http} paths).
   * {@code literalPrefix} is the part before its first variable; {@code matcher} gives the
   * variables of a matching path, or null.
   */
  record Template(String text, String literalPrefix, Function<String, Map<String, String>> matcher)
      implements RouteMatch {
    @Override
    public String describe() {
      return "template " + text;
    }

    @Override
    public String template() {
      return text;
    }
  }
}
