package dev.bffkit.tv;

import dev.bffkit.core.Bff;

/** The tv BFF: the shared runtime serving the folder {@code bff/tv} built into this jar. */
public final class TvMain {
  public static void main(String[] args) {
    Bff.run("tv", args);
  }
}
