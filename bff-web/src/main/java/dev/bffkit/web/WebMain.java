package dev.bffkit.web;

import dev.bffkit.core.Bff;

/** The web BFF: the shared runtime serving the folder {@code bff/web} built into this jar. */
public final class WebMain {
  public static void main(String[] args) {
    Bff.run("web", args);
  }
}
