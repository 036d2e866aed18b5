package dev.bffkit.core.route;

import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Stage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Picks the target of a request by its path: an exact path, or the longest matching prefix
 * (a prefix matches at a segment boundary, so {@code /api/posts} does not take
 * {@code /api/postsX}). Targets are terminal stages (screens, GraphQL, proxy routes). Built
 * once per event loop; matching allocates nothing.
 */
public final class RouteStage implements Stage {
  private record Prefix(String prefix, Stage target) {}

  private final java.util.Map<String, Stage> exact;
  private final Prefix[] prefixes;

  private RouteStage(java.util.Map<String, Stage> exact, List<Prefix> prefixes) {
    this.exact = java.util.Map.copyOf(exact);
    this.prefixes = prefixes.stream()
        .sorted(Comparator.comparingInt((Prefix p) -> p.prefix.length()).reversed())
        .toArray(Prefix[]::new);
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void handle(Exchange ex, Next next) {
    String path = ex.request().path();
    String refused = PathGuard.check(path);
    if (refused != null) {
      ex.fail(400, "bad_path", refused);
      return;
    }
    Stage target = exact.get(path);
    if (target == null) target = longestPrefix(path);
    if (target == null) {
      next.proceed(ex);
    } else {
      target.handle(ex, next);
    }
  }

  private Stage longestPrefix(String path) {
    for (Prefix p : prefixes) {
      String prefix = p.prefix;
      if (path.startsWith(prefix)
          && (path.length() == prefix.length()
              || prefix.charAt(prefix.length() - 1) == '/'
              || path.charAt(prefix.length()) == '/')) {
        return p.target;
      }
    }
    return null;
  }

  public static final class Builder {
    private final java.util.Map<String, Stage> exact = new java.util.HashMap<>();
    private final List<Prefix> prefixes = new ArrayList<>();

    public Builder exact(String path, Stage target) {
      exact.put(path, target);
      return this;
    }

    public Builder prefix(String prefix, Stage target) {
      prefixes.add(new Prefix(prefix, target));
      return this;
    }

    public RouteStage build() {
      return new RouteStage(exact, prefixes);
    }
  }
}
