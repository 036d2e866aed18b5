package dev.bffkit.core.config;

import java.time.Duration;

/**
 * {@code tls:} in bff.yaml: terminate TLS 1.2/1.3 (ALPN h2 + http/1.1) from PEM files, re-read
 * every {@code reloadInterval} when they change (certificate rotation without a restart). Off
 * unless {@code certPath} is given. {@code hsts} &gt; 0 adds {@code Strict-Transport-Security}.
 * {@code clientAuth} asks clients for a certificate signed by {@code clientCaPath}:
 * {@code request} (optional; a presented one must verify) or {@code required}; the verified
 * subject is {@code {ctx.clientCert}}.
 */
public record TlsConfig(String certPath, String keyPath, Duration reloadInterval, Duration hsts,
    ClientAuth clientAuth, String clientCaPath) {

  public enum ClientAuth { NONE, REQUEST, REQUIRED }

  public TlsConfig {
    if (clientAuth == null) clientAuth = ClientAuth.NONE;
  }

  public TlsConfig(String certPath, String keyPath, Duration reloadInterval, Duration hsts) {
    this(certPath, keyPath, reloadInterval, hsts, ClientAuth.NONE, null);
  }

  public static TlsConfig off() {
    return new TlsConfig(null, null, Duration.ofMinutes(1), Duration.ZERO);
  }

  public boolean enabled() {
    return certPath != null;
  }
}
