package dev.bffkit.core.config;

import java.util.function.Function;

/**
 * Expands environment references in a bff.yaml scalar: {@code ${NAME}} (the variable must be
 * set), {@code ${NAME:-default}} (default when unset or empty; the default may be empty) and
 * <code>$${</code> for a literal <code>${</code>. Any other {@code $} is kept as is. Defaults are taken
 * literally (no nesting). A hand scanner, so nothing is compiled per call.
 */
final class EnvInterpolator {
  /** Why a value could not be expanded; the caller adds file, line and field path. */
  static final class Problem extends RuntimeException {
    Problem(String message) {
      super(message, null, false, false);
    }
  }

  private final Function<String, String> env;

  EnvInterpolator(Function<String, String> env) {
    this.env = env;
  }

  /** Returns {@code text} with every reference replaced; throws {@link Problem}. */
  String expand(String text) {
    int dollar = text.indexOf('$');
    if (dollar < 0) {
      return text; // the common case: nothing to do, no copy
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    int i = 0;
    while (dollar >= 0) {
      out.append(text, i, dollar);
      if (text.startsWith("$${", dollar)) {
        out.append("${");
        i = dollar + 3;
      } else if (text.startsWith("${", dollar)) {
        i = reference(text, dollar, out);
      } else {
        out.append('$');
        i = dollar + 1;
      }
      dollar = text.indexOf('$', i);
    }
    return out.append(text, i, text.length()).toString();
  }

  /** Expands the reference starting at {@code start} into {@code out}; returns the index after it. */
  private int reference(String text, int start, StringBuilder out) {
    int close = text.indexOf('}', start + 2);
    if (close < 0) {
      throw new Problem("'${' without a closing '}'; write ${NAME}, ${NAME:-default}, or $${ for a literal ${");
    }
    String body = text.substring(start + 2, close);
    int sep = body.indexOf(":-");
    String name = sep < 0 ? body : body.substring(0, sep);
    if (!isName(name)) {
      throw new Problem("'${" + body + "}' is not a valid reference; write ${NAME} or ${NAME:-default}"
          + " with NAME made of letters, digits and '_'");
    }
    String value = env.apply(name);
    if (sep >= 0) {
      out.append(value == null || value.isEmpty() ? body.substring(sep + 2) : value);
    } else if (value == null) {
      throw new Problem("environment variable " + name + " is not set; set it or write ${" + name
          + ":-default}");
    } else {
      out.append(value);
    }
    return close + 1;
  }

  private static boolean isName(String s) {
    if (s.isEmpty() || Character.isDigit(s.charAt(0))) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
        return false;
      }
    }
    return true;
  }
}
