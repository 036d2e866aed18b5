package dev.bffkit.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.TestCerts;
import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CorsConfig;
import dev.bffkit.core.config.FiltersConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.config.TlsConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS both ways: the BFF presents its client certificate to an upstream that requires
 * one, and asks its own clients for certificates signed by a configured CA.
 */
class MutualTlsTest {
  @TempDir Path dir;
  Vertx vertx;
  TestCerts certs;

  @BeforeEach
  void certificates() throws Exception {
    vertx = Vertx.vertx();
    certs = new TestCerts(dir).issue("upstream", "bff", "client");
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private String path(String file) {
    return certs.path(file);
  }

  @Test
  void toUpstreamsAndFromClients() throws Exception {
    HttpServer upstream = vertx.createHttpServer(new HttpServerOptions().setSsl(true)
            .setKeyCertOptions(new PemKeyCertOptions().setCertPath(path("upstream.pem")).setKeyPath(path("upstream-key.pem")))
            .setTrustOptions(new PemTrustOptions().addCertPath(path("ca.pem"))).setClientAuth(ClientAuth.REQUIRED))
        .requestHandler(req -> {
          String peer;
          try {
            peer = ((java.security.cert.X509Certificate) req.connection().peerCertificates().get(0))
                .getSubjectX500Principal().getName();
          } catch (Exception e) {
            peer = "none";
          }
          req.response().putHeader("content-type", "application/json").end(new JsonObject().put("id", peer).encode());
        }).listen(0, "127.0.0.1").await();
    URI up = URI.create("https://127.0.0.1:" + upstream.actualPort());
    ServiceConfig base = TestBundles.service("up", upstream.actualPort());
    ServiceConfig mtls = new ServiceConfig("up", List.of(up), base.connectTimeout(), base.poolSize(), base.keepAlive(),
        // Health probes every 50 ms, one failure marks the endpoint down: they must use the certificate too.
        base.timeout(), base.discovery(), base.balancer(),
        new ServiceConfig.HealthCheck("/health", Duration.ofMillis(50), Duration.ofSeconds(1), 1, 1), base.outlier(), base.breaker(),
        base.retry(), base.hedge(), base.bulkhead(), base.http2(),
        new ServiceConfig.Tls(path("ca.pem"), path("bff.pem"), path("bff-key.pem"), true));
    ClientBundle b = TestBundles.bundle(TestBundles.server(Duration.ofSeconds(1)), Duration.ofSeconds(5),
        Map.of("up", mtls), List.of(), "type Query { me: N @rest(service: \"up\", path: \"/n\") }\ntype N { id: ID }\n",
        Map.of("me", "query Me { me { id } }"));
    TlsConfig tls = new TlsConfig(path("upstream.pem"), path("upstream-key.pem"), Duration.ofMinutes(1), Duration.ZERO,
        TlsConfig.ClientAuth.REQUIRED, path("ca.pem"));
    b = new ClientBundle(b.config().withEdge(FiltersConfig.none(), CorsConfig.off(), tls), b.schema(), b.screens());
    Bff.RunningBff bff = Bff.start(vertx, b).await();
    OnLoop loop = new OnLoop(vertx.getOrCreateContext());
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(bff.port()).setMethod(HttpMethod.GET)
        .setURI("/v1/screens/me");

    Thread.sleep(400); // several probe rounds (a failed probe would take the only endpoint out)
    assertEquals(Boolean.TRUE, bff.upstreams().get("up").snapshot().getJsonArray("endpoints").getJsonObject(0)
        .getBoolean("healthy"), "health probes present the client certificate");
    HttpClient withCert = vertx.createHttpClient(new HttpClientOptions().setSsl(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(path("ca.pem")))
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(path("client.pem")).setKeyPath(path("client-key.pem"))));
    String body = loop.run(() -> withCert.request(o).compose(r -> r.send()).compose(r -> r.body()))
        .await(10, TimeUnit.SECONDS).toString();
    // The upstream saw the BFF's certificate: mutual TLS to the service.
    assertEquals("CN=bff", new JsonObject(body).getJsonObject("data").getJsonObject("me").getString("id"), body);

    HttpClient withoutCert = vertx.createHttpClient(new HttpClientOptions().setSsl(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(path("ca.pem"))));
    boolean refused;
    try {
      loop.run(() -> withoutCert.request(o).compose(r -> r.send()).compose(r -> r.body())).await(10, TimeUnit.SECONDS);
      refused = false;
    } catch (Exception e) {
      refused = true; // the handshake fails: no client certificate
    }
    assertTrue(refused, "a client without a certificate is refused");
  }
}
