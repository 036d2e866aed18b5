package dev.bffkit.core;

import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.ServerConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.config.SourceFile;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Builds client bundles in code for tests that are not about the config files themselves. */
public final class TestBundles {
  private TestBundles() {}

  /**
   * A client folder {@code dir} (made) with this {@code bff.yaml}, a one-field schema ({@code hello: String}) and a
   * {@code home} screen reading it, loaded with no environment: for tests about bff.yaml itself.
   */
  public static ClientBundle helloFolder(Path dir, String yaml) throws IOException {
    Files.createDirectories(dir.resolve("screens"));
    Files.writeString(dir.resolve("bff.yaml"), yaml);
    Files.writeString(dir.resolve("schema.graphqls"), "type Query { hello: String }\n");
    Files.writeString(dir.resolve("screens/home.graphql"), "query Home { hello }\n");
    return BundleLoader.load(dir, name -> null);
  }

  public static ServiceConfig service(String name, int port) {
    return new ServiceConfig(name, List.of(URI.create("http://127.0.0.1:" + port)),
        Duration.ofSeconds(1), 16, Duration.ofSeconds(30), Duration.ofSeconds(10));
  }

  public static ServerConfig server(Duration grace) {
    return new ServerConfig("127.0.0.1", 0, 1, grace, Duration.ofSeconds(30), 64 * 1024, 8192);
  }

  public static ClientBundle bundle(ServerConfig server, Duration deadline, Map<String, ServiceConfig> services,
      List<ProxyRouteConfig> routes, String schema, Map<String, String> screens) {
    CompositionConfig comp = new CompositionConfig(deadline, true, "/graphql", "/v1/screens", 100);
    BffConfig cfg = new BffConfig("test", server, comp, services, routes);
    List<SourceFile> screenFiles = screens.entrySet().stream()
        .map(e -> new SourceFile("test/screens/" + e.getKey() + ".graphql", e.getValue()))
        .toList();
    return new ClientBundle(cfg, new SourceFile("test/schema.graphqls", schema), screenFiles);
  }
}
