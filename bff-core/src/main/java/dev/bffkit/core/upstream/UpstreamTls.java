package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.GrpcConfig;
import dev.bffkit.core.config.ServiceConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

/**
 * {@code services.<name>.tls} on a client, one way for HTTP calls, health probes and gRPC: the
 * trusted CA, the client certificate (mutual TLS) and host verification. Which calls use TLS is
 * the endpoint's scheme ({@code https://}). The PEM files are read once at start-up
 * ({@link #check}) so a missing or broken file stops the start with its bff.yaml line, rather
 * than failing every call's handshake.
 */
final class UpstreamTls {
  private UpstreamTls() {}

  static HttpClientOptions apply(HttpClientOptions options, ServiceConfig.Tls tls) {
    if (tls.caPath() != null) options.setTrustOptions(new PemTrustOptions().addCertPath(tls.caPath()));
    if (tls.certPath() != null) {
      options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certPath()).setKeyPath(tls.keyPath()));
    }
    return options.setVerifyHost(tls.verifyHost());
  }

  /** Reads and parses the service's PEM files (blocking: start-up only); a problem names its bff.yaml line. */
  static void check(Vertx vertx, ServiceConfig service) {
    ServiceConfig.Tls tls = service.tls();
    String at = "services." + service.name() + ".tls.";
    if (tls.caPath() != null) {
      Buffer ca = read(vertx, tls.caPath(), tls.caPos(), at + "ca", "the CA certificate(s) that sign the service's certificate");
      try {
        new PemTrustOptions().addCertValue(ca).getTrustManagerFactory(vertx);
      } catch (Exception e) {
        throw error(tls.caPos(), at + "ca", "'" + tls.caPath() + "' holds no usable PEM certificate (" + reason(e)
            + "); write the path of the CA certificate(s), -----BEGIN CERTIFICATE-----");
      }
    }
    if (tls.certPath() != null) {
      Buffer cert = read(vertx, tls.certPath(), tls.certPos(), at + "cert", "the client certificate");
      Buffer key = read(vertx, tls.keyPath(), tls.keyPos(), at + "key", "the client certificate's private key");
      try {
        new PemTrustOptions().addCertValue(cert).getTrustManagerFactory(vertx);
      } catch (Exception e) {
        throw error(tls.certPos(), at + "cert", "'" + tls.certPath() + "' holds no usable PEM certificate (" + reason(e)
            + "); write the path of the client certificate, -----BEGIN CERTIFICATE-----");
      }
      try {
        new PemKeyCertOptions().setCertValue(cert).setKeyValue(key).getKeyManagerFactory(vertx);
      } catch (Exception e) {
        throw error(tls.keyPos(), at + "key", "'" + tls.keyPath() + "' is not a usable private key for '" + tls.certPath()
            + "' (" + reason(e) + "); write the path of an unencrypted PKCS#8, PKCS#1 or EC PEM key");
      }
    }
  }

  private static Buffer read(Vertx vertx, String path, GrpcConfig.Pos pos, String key, String what) {
    try {
      return vertx.fileSystem().readFileBlocking(path);
    } catch (RuntimeException e) {
      throw error(pos, key, "'" + path + "' cannot be read (" + reason(e) + "); write the path of a PEM file with "
          + what);
    }
  }

  private static ConfigException error(GrpcConfig.Pos pos, String key, String problem) {
    return pos != null ? pos.error(problem) : new ConfigException("bff.yaml", 0, key + ": " + problem);
  }

  private static String reason(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String m = root.getMessage();
    return root.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
