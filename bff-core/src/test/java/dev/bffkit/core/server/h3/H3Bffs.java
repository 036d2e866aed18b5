package dev.bffkit.core.server.h3;

import dev.bffkit.core.Bff;
import dev.bffkit.core.TestCerts;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CorsConfig;
import dev.bffkit.core.config.FiltersConfig;
import dev.bffkit.core.config.Http3Config;
import dev.bffkit.core.config.TlsConfig;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** A test BFF with HTTP/3 on: TLS from a certificate made in {@code dir}, no edge filters, no CORS. */
final class H3Bffs {
  private H3Bffs() {}

  static Bff.RunningBff start(Vertx vertx, Path dir, ClientBundle b, Http3Config h3) throws Exception {
    return start(vertx, dir, b, h3, UnaryOperator.identity());
  }

  /** {@code more}: the config's other changes (limits, say). */
  static Bff.RunningBff start(Vertx vertx, Path dir, ClientBundle b, Http3Config h3, UnaryOperator<BffConfig> more)
      throws Exception {
    TestCerts certs = new TestCerts(Files.createDirectories(dir)).issue("bff");
    BffConfig cfg = b.config().withEdge(FiltersConfig.none(), CorsConfig.off(),
        new TlsConfig(certs.path("bff.pem"), certs.path("bff-key.pem"), Duration.ofMinutes(1), Duration.ZERO));
    cfg = more.apply(cfg.withServer(cfg.server().withHttp3(h3)));
    return Bff.start(vertx, new ClientBundle(cfg, b.schema(), b.screens())).await();
  }
}
