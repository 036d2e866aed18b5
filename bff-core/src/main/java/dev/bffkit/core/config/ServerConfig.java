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
     * HTTP/2 over cleartext (prior knowledge or Upgrade), off by default. With it on, Vert.x
     * 5.0.7 only hands over an HTTP/1.x connection once its first request head is complete (it
     * must look for an Upgrade), so limits.headerReadTimeout and maxConnections guard a cleartext
     * connection from its first request on, not from connect: a slowloris trickling its first
     * head is bounded only by maxHeaderBytes. Turn it on behind a trusted load balancer that
     * speaks h2c; TLS listeners get h2 through ALPN either way.
     */
    boolean h2c) {

  public ServerConfig(String host, int port, int instances, Duration shutdownGrace, Duration idleTimeout,
      int maxBodyBytes, int maxHeaderBytes) {
    this(host, port, instances, shutdownGrace, idleTimeout, maxBodyBytes, maxHeaderBytes, false);
  }

  public static ServerConfig defaults() {
    return new ServerConfig("127.0.0.1", 8080, 0, Duration.ofSeconds(10), Duration.ofSeconds(60),
        1 << 20, 8192, false);
  }

  public ServerConfig withPort(int newPort) {
    return new ServerConfig(host, newPort, instances, shutdownGrace, idleTimeout, maxBodyBytes, maxHeaderBytes, h2c);
  }
}
