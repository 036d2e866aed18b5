package dev.bffkit.core.config;

import java.util.function.Function;

/**
 * TEMPORARY STUB (branch demo) so the Demo compiles before the real loader lands. The real class
 * loads the folder {@code bff/<client>/} from the classpath; on merge, take the other side.
 */
public final class ClasspathBundles {
  private ClasspathBundles() {}

  /** Loads {@code bff/<client>/} with {@code ${NAME:-default}} resolved from the process environment. */
  public static ClientBundle load(String client) {
    return load(client, System::getenv);
  }

  /** Loads {@code bff/<client>/} with {@code ${NAME:-default}} resolved through {@code env}. */
  public static ClientBundle load(String client, Function<String, String> env) {
    throw new IllegalStateException("ClasspathBundles is a stub on branch demo");
  }
}
