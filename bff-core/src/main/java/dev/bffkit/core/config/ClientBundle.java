package dev.bffkit.core.config;

import java.util.List;

/**
 * Everything one client module declares: its validated bff.yaml, its composition schema and
 * its screens (one operation per file; the screen's name is the file name without
 * {@code .graphql}).
 */
public record ClientBundle(BffConfig config, SourceFile schema, List<SourceFile> screens) {
  public ClientBundle {
    screens = List.copyOf(screens);
  }

  public ClientBundle withPort(int port) {
    return new ClientBundle(config.withPort(port), schema, screens);
  }
}
