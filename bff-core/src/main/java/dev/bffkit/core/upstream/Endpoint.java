package dev.bffkit.core.upstream;

import java.net.URI;

/** One address of a service. */
public record Endpoint(String host, int port, boolean tls) {

  public static Endpoint of(URI uri) {
    boolean tls = "https".equalsIgnoreCase(uri.getScheme());
    int port = uri.getPort() > 0 ? uri.getPort() : (tls ? 443 : 80);
    return new Endpoint(uri.getHost(), port, tls);
  }

  /** The Host header value for this endpoint. */
  public String authority() {
    return (tls ? port == 443 : port == 80) ? host : host + ":" + port;
  }
}
