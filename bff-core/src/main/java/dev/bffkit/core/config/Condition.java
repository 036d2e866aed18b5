package dev.bffkit.core.config;

import java.util.List;

/**
 * One test on a request, as content routing writes it: a header, cookie, query parameter, claim
 * of the verified principal or field of a JSON body (a JSON Pointer, RFC 6901) that equals one of
 * {@code values} (any value when {@code values} is empty: the test is that it is present), or the
 * request's method (one of {@code values}) or path (under the prefix {@code name}).
 */
public record Condition(Source source, String name, List<String> values) {
  public enum Source { METHOD, PATH, HEADER, COOKIE, QUERY, CLAIM, BODY }

  public Condition {
    values = List.copyOf(values);
  }

  /** As written back for the route table: {@code header x-beta=1}, {@code claim tier in [gold, silver]}, {@code query debug present}. */
  public String describe() {
    String s = source.name().toLowerCase();
    return switch (source) {
      case METHOD -> s + " " + String.join("|", values);
      case PATH -> s + " under " + name;
      default -> s + " " + name + (values.isEmpty() ? " present" : values.size() == 1 ? "=" + values.get(0) : " in " + values);
    };
  }
}
