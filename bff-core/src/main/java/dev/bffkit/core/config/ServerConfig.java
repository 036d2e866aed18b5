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
    int maxHeaderBytes,
    /**
     * HTTP/2 over cleartext (prior knowledge or Upgrade). With it on, Vert.x only sees an HTTP/1.x
     * connection once its first request head is complete, so limits.headerReadTimeout and
     * maxConnections guard a cleartext connection from its first request on; off (or TLS), from
     * the moment it connects.
     */
    boolean h2c) {

  public ServerConfig(String host, int port, int instances, Duration shutdownGrace, Duration idleTimeout,
      int maxBodyBytes, int maxHeaderBytes) {
    this(host, port, instances, shutdownGrace, idleTimeout, maxBodyBytes, maxHeaderBytes, true);
  }

  public static ServerConfig defaults() {
    return new ServerConfig("127.0.0.1", 8080, 0, Duration.ofSeconds(10), Duration.ofSeconds(60),
        1 << 20, 8192, true);
  }

  public ServerConfig withPort(int newPort) {
    return new ServerConfig(host, newPort, instances, shutdownGrace, idleTimeout, maxBodyBytes, maxHeaderBytes, h2c);
  }
}
