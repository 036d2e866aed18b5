package dev.bffkit.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CorsConfig;
import dev.bffkit.core.config.FiltersConfig;
import dev.bffkit.core.config.TlsConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS termination from PEM files (h2 by ALPN), HSTS, and a certificate replaced while serving. */
class TlsTest {
  @TempDir Path dir;
  Vertx vertx = Vertx.vertx();

  record Answer(int status, HttpVersion version, String hsts, String serial) {}

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A self-signed certificate for 127.0.0.1 with openssl (skipped where openssl is missing). */
  private void certificate(String cn) throws Exception {
    Path key = dir.resolve("key.tmp");
    Path cert = dir.resolve("cert.tmp");
    Process p;
    try {
      p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
          "-subj", "/CN=" + cn, "-addext", "subjectAltName=IP:127.0.0.1",
          "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
    } catch (java.io.IOException e) {
      Assumptions.abort("openssl not available: " + e.getMessage());
      return;
    }
    p.getInputStream().readAllBytes();
    assertEquals(0, p.waitFor(), "openssl failed");
    // Replace both files (key first), as a certificate manager would.
    Files.move(key, dir.resolve("key.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.move(cert, dir.resolve("cert.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private Answer get(HttpClient client, OnLoop loop, int port) throws Exception {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(port).setMethod(HttpMethod.GET).setURI("/healthz");
    return loop.run(() -> client.request(o).compose(r -> r.send()).compose(resp -> resp.body().map(b -> {
      String serial = "";
      try {
        serial = ((X509Certificate) resp.request().connection().peerCertificates().get(0)).getSerialNumber().toString(16);
      } catch (Exception e) {
        serial = "?" + e;
      }
      return new Answer(resp.statusCode(), resp.version(), resp.getHeader("strict-transport-security"), serial);
    }))).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void servesTlsWithHstsAndPicksUpANewCertificate() throws Exception {
    certificate("first");
    ClientBundle b = TestBundles.bundle(TestBundles.server(Duration.ofSeconds(1)), Duration.ofSeconds(5), Map.of(),
        List.of(), "type Query { ping: String }", Map.of());
    TlsConfig tls = new TlsConfig(dir.resolve("cert.pem").toString(), dir.resolve("key.pem").toString(),
        Duration.ofMillis(200), Duration.ofDays(365));
    b = new ClientBundle(b.config().withEdge(FiltersConfig.none(), CorsConfig.off(), tls), b.schema(), b.screens());
    Bff.RunningBff bff = Bff.start(vertx, b).await();
    OnLoop loop = new OnLoop(vertx.getOrCreateContext());
    // A fresh connection per request (no keep-alive), so each one sees the current certificate.
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false)
        .setUseAlpn(true).setProtocolVersion(HttpVersion.HTTP_2).setHttp2KeepAliveTimeout(1).setKeepAlive(false));
    Answer first = get(h2, loop, bff.port());
    assertEquals(200, first.status());
    assertEquals(HttpVersion.HTTP_2, first.version(), "ALPN h2");
    assertEquals("max-age=31536000; includeSubDomains", first.hsts());
    h2.close();

    certificate("second");
    HttpClient h1 = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false)
        .setKeepAlive(false));
    Answer now = first;
    for (int i = 0; i < 100 && now.serial().equals(first.serial()); i++) { // bounded wait for the reload
      Thread.sleep(50);
      now = get(h1, loop, bff.port());
    }
    assertEquals(200, now.status());
    assertNotEquals(first.serial(), now.serial(), "new certificate in use");
    assertTrue(now.version() == HttpVersion.HTTP_1_1);
  }
}
