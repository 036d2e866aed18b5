package dev.bffkit.core.config;

import java.time.Duration;

/** The listener: {@code server:} in bff.yaml. */
public record ServerConfig(
    String host,
    int port,
    /** Event-loop verticle instances; 0 means one per core. */
    int instances,
    Duration shutdownGrace,
    Duration idleTimeout,
    int maxBodyBytes,
    int maxHeaderBytes) {

  public static ServerConfig defaults() {
    return new ServerConfig("127.0.0.1", 8080, 0, Duration.ofSeconds(10), Duration.ofSeconds(60),
        1 << 20, 8192);
  }

  public ServerConfig withPort(int newPort) {
    return new ServerConfig(host, newPort, instances, shutdownGrace, idleTimeout, maxBodyBytes, maxHeaderBytes);
  }
}
