package dev.bffkit.ios;

import dev.bffkit.core.Bff;

/** The ios BFF: the shared runtime serving the folder {@code bff/ios} built into this jar. */
public final class IosMain {
  public static void main(String[] args) {
    Bff.run("ios", args);
  }
}
