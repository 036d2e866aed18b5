package dev.bffkit.core;

import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.ServerConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.config.SourceFile;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Builds client bundles in code for tests that are not about the config files themselves. */
public final class TestBundles {
  private TestBundles() {}

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
