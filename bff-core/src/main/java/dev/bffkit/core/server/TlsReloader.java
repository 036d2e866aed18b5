package dev.bffkit.core.server;

import dev.bffkit.core.config.TlsConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.util.function.Consumer;
import java.util.logging.Logger;
import javax.net.ssl.KeyManagerFactory;

/**
 * Hot certificate reload: every {@code reloadInterval} the PEM files' modification times are
 * checked (asynchronously); when they changed, the listener's TLS options are updated in place
 * (new handshakes use the new certificate; open connections are not disturbed). A broken file
 * leaves the current certificate in use and logs why.
 */
final class TlsReloader {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.server");

  private final Vertx vertx;
  private final HttpServer server;
  private final TlsConfig config;
  private final ServerSSLOptions base;
  /** Also takes each new certificate (the HTTP/3 listener's key manager); null for none. */
  private final Consumer<KeyManagerFactory> alsoTo;
  private long timer;
  private long lastCert;
  private long lastKey;

  private TlsReloader(Vertx vertx, HttpServer server, TlsConfig config, ServerSSLOptions base,
      Consumer<KeyManagerFactory> alsoTo) {
    this.base = base;
    this.alsoTo = alsoTo;
    this.vertx = vertx;
    this.server = server;
    this.config = config;
  }

  /** Key and certificate read as values (not paths), so an update re-reads the files. */
  static PemKeyCertOptions pem(TlsConfig c) {
    return new PemKeyCertOptions().setCertPath(c.certPath()).setKeyPath(c.keyPath());
  }

  /**
   * {@code base}: the listener's TLS options (protocols, ALPN), kept on reload; {@code alsoTo}, when not null, is
   * handed each new certificate and key as well.
   */
  static TlsReloader start(Vertx vertx, HttpServer server, TlsConfig config, ServerSSLOptions base,
      Consumer<KeyManagerFactory> alsoTo) {
    TlsReloader r = new TlsReloader(vertx, server, config, base, alsoTo);
    r.stamp().onSuccess(v -> r.timer = vertx.setPeriodic(Math.max(100, config.reloadInterval().toMillis()), id -> r.check()));
    return r;
  }

  void stop() {
    vertx.cancelTimer(timer);
  }

  private KeyManagerFactory keys(PemKeyCertOptions pem) {
    try {
      return pem.getKeyManagerFactory(vertx);
    } catch (Exception e) {
      throw new IllegalArgumentException("certificate or key does not parse: " + e.getMessage(), e);
    }
  }

  private Future<Void> stamp() {
    return vertx.fileSystem().props(config.certPath()).compose(c -> vertx.fileSystem().props(config.keyPath()).map(k -> {
      lastCert = c.lastModifiedTime();
      lastKey = k.lastModifiedTime();
      return null;
    }));
  }

  private void check() {
    long cert = lastCert;
    long key = lastKey;
    stamp().onSuccess(v -> {
      if (lastCert == cert && lastKey == key) return;
      // Read both files now; a half-written pair fails here and is retried on the next tick.
      vertx.fileSystem().readFile(config.certPath()).compose(c -> vertx.fileSystem().readFile(config.keyPath())
          .compose(k -> {
            PemKeyCertOptions pem = new PemKeyCertOptions().setCertValue(c).setKeyValue(k);
            return server.updateSSLOptions(base.copy().setKeyCertOptions(pem), true).map(updated -> {
              // From the values read above: parsing them does no I/O.
              if (alsoTo != null && updated) alsoTo.accept(keys(pem));
              return updated;
            });
          }))
          .onSuccess(updated -> LOG.info("event=tls_reloaded cert=" + config.certPath()))
          .onFailure(e -> {
            lastCert = cert; // try again next time
            LOG.warning("event=tls_reload_failed cert=" + config.certPath() + " error=" + e.getMessage());
          });
    });
  }
}
