package dev.bffkit.core.contract;

/**
 * One thing {@code --check} found wrong, where a team fixes it: {@code file:line: message}. The file is as the
 * team knows it (a path inside the client folder, e.g. {@code ios/schema.graphqls}); line 0 when none applies.
 */
public record Problem(String file, int line, String message) implements Comparable<Problem> {

  @Override
  public String toString() {
    return line > 0 ? file + ":" + line + ": " + message : file + ": " + message;
  }

  /** By file, then line: the order a reader fixes them in. */
  @Override
  public int compareTo(Problem o) {
    int c = file.compareTo(o.file);
    return c != 0 ? c : Integer.compare(line, o.line);
  }
}
