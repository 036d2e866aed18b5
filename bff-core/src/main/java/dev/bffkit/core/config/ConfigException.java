package dev.bffkit.core.config;

/**
 * A configuration problem found at start-up. The message always names the file, the line
 * (when known) and what to change, e.g. {@code bff.yaml:12: services.posts.endpoints[0]: 'htp://x'
 * is not an http(s) URL; write e.g. http://127.0.0.1:9102}.
 */
public class ConfigException extends RuntimeException {
  private final String file;
  private final int line;

  public ConfigException(String file, int line, String message) {
    super(format(file, line, message), null, false, false);
    this.file = file;
    this.line = line;
  }

  public ConfigException(String file, int line, String message, Throwable cause) {
    super(format(file, line, message), cause, false, false);
    this.file = file;
    this.line = line;
  }

  /** A problem at a place written {@code file:line} (a route's or an SLO's {@code declaredAt}), or a bare name. */
  public static ConfigException at(String fileAndLine, String message) {
    String where = fileAndLine == null ? "bff.yaml" : fileAndLine;
    int colon = where.lastIndexOf(':');
    if (colon > 0) {
      try {
        return new ConfigException(where.substring(0, colon), Integer.parseInt(where.substring(colon + 1)), message);
      } catch (NumberFormatException notALine) {
        // declared somewhere without a line (a default or a built-in)
      }
    }
    return new ConfigException(where, 0, message);
  }

  private static String format(String file, int line, String message) {
    return line > 0 ? file + ":" + line + ": " + message : file + ": " + message;
  }

  public String file() { return file; }

  /** 1-based line, or 0 when the problem is not tied to one line. */
  public int line() { return line; }
}
