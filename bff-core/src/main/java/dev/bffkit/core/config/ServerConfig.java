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
    boolean h2c,
    /** {@code server.warmUp}: requests run through a loopback copy of this BFF before it is ready. */
    WarmUp warmUp,
    /**
     * On a stop, how long the BFF keeps serving while not ready (HTTP/1.1 answers close their connections) before
     * it stops accepting: a load balancer or Kubernetes' endpoints see it leave before its port closes.
     */
    Duration drainDelay,
    /** {@code server.http3}: the QUIC listener beside this one; off by default. */
    Http3Config http3) {

  public ServerConfig {
    if (warmUp == null) warmUp = WarmUp.off();
    if (drainDelay == null) drainDelay = Duration.ZERO;
    if (http3 == null) http3 = Http3Config.off();
  }

  public ServerConfig(String host, int port, int instances, Duration shutdownGrace, Duration idleTimeout,
      int maxBodyBytes, int maxHeaderBytes, boolean h2c, WarmUp warmUp, Duration drainDelay) {
    this(host, port, instances, shutdownGrace, idleTimeout, maxBodyBytes, maxHeaderBytes, h2c, warmUp, drainDelay, null);
  }

  public ServerConfig(String host, int port, int instances, Duration shutdownGrace, Duration idleTimeout,
      int maxBodyBytes, int maxHeaderBytes, boolean h2c, WarmUp warmUp) {
    this(host, port, instances, shutdownGrace, idleTimeout, maxBodyBytes, maxHeaderBytes, h2c, warmUp, Duration.ZERO);
  }

  public ServerConfig(String host, int port, int instances, Duration shutdownGrace, Duration idleTimeout,
      int maxBodyBytes, int maxHeaderBytes, boolean h2c) {
    this(host, port, instances, shutdownGrace, idleTimeout, maxBodyBytes, maxHeaderBytes, h2c, WarmUp.off());
  }

  public ServerConfig(String host, int port, int instances, Duration shutdownGrace, Duration idleTimeout,
      int maxBodyBytes, int maxHeaderBytes) {
    this(host, port, instances, shutdownGrace, idleTimeout, maxBodyBytes, maxHeaderBytes, false);
  }

  /**
   * The JIT's warm-up, paid before readiness instead of by the first clients: {@code requests}
   * through every proxy route and screen of a loopback copy of the BFF whose services all answer
   * {@code {}} from an in-process server (server/WarmUp), within {@code maxTime}. 0 requests: off.
   */
  public record WarmUp(int requests, Duration maxTime) {
    public static WarmUp off() {
      return new WarmUp(0, Duration.ofSeconds(5));
    }

    public boolean enabled() {
      return requests > 0;
    }
  }

  public ServerConfig withWarmUp(WarmUp w) {
    return new ServerConfig(host, port, instances, shutdownGrace, idleTimeout, maxBodyBytes, maxHeaderBytes, h2c, w, drainDelay, http3);
  }

  /** The loopback listener a warm-up copy serves on: 127.0.0.1, an ephemeral port, no warm-up of its own. */
  public ServerConfig forWarmUp() {
    return new ServerConfig("127.0.0.1", 0, instances, Duration.ZERO, idleTimeout, maxBodyBytes, maxHeaderBytes, h2c,
        WarmUp.off(), Duration.ZERO, http3.withEnabled(false));
  }

  public static ServerConfig defaults() {
    return new ServerConfig("127.0.0.1", 8080, 0, Duration.ofSeconds(10), Duration.ofSeconds(60),
        1 << 20, 8192, false);
  }

  public ServerConfig withPort(int newPort) {
    return new ServerConfig(host, newPort, instances, shutdownGrace, idleTimeout, maxBodyBytes, maxHeaderBytes, h2c, warmUp, drainDelay, http3);
  }

  public ServerConfig withHttp3(Http3Config h3) {
    return new ServerConfig(host, port, instances, shutdownGrace, idleTimeout, maxBodyBytes, maxHeaderBytes, h2c, warmUp, drainDelay, h3);
  }
}
