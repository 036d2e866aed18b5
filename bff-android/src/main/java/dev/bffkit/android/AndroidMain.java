package dev.bffkit.android;

import dev.bffkit.core.Bff;

/** The android BFF: the shared runtime serving the folder {@code bff/android} built into this jar. */
public final class AndroidMain {
  public static void main(String[] args) {
    Bff.run("android", args);
  }
}
