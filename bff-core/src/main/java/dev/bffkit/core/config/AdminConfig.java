package dev.bffkit.core.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * {@code admin:} in bff.yaml: the operators' listener (health, readiness, upstreams, the route
 * table), on its own port and bind address and never on the client listener. Without
 * {@code admin:} it listens on 127.0.0.1 at the client port + 1000 (the demo's 8081 → 9081), or
 * on an ephemeral port when the client port is ephemeral.
 */
public record AdminConfig(
    String host,
    /** 0 = an ephemeral port (tests); -1 = no admin listener. */
    int port,
    /** Bearer token the admin listener requires; null = none (allowed on loopback only). */
    String token) {

  public static final int OFFSET = 1000;

  /** The default for a client listener on {@code serverPort}. */
  public static AdminConfig defaults(int serverPort) {
    int port = serverPort > 0 && serverPort + OFFSET <= 65535 ? serverPort + OFFSET : 0;
    return new AdminConfig("127.0.0.1", port, null);
  }

  public boolean enabled() {
    return port >= 0;
  }

  /** True when only this machine can reach the listener (a token is optional then). */
  public boolean loopback() {
    if ("localhost".equalsIgnoreCase(host)) return true;
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The token never reaches logs or the route table. */
  @Override
  public String toString() {
    return "AdminConfig[host=" + host + ", port=" + port + ", token=" + (token == null ? "none" : "***") + "]";
  }
}
