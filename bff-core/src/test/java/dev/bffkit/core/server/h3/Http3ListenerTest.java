package dev.bffkit.core.server.h3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.TestCerts;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CorsConfig;
import dev.bffkit.core.config.FiltersConfig;
import dev.bffkit.core.config.Http3Config;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.TlsConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP/3 listener beside TLS TCP: same port number, same routes, Alt-Svc on TCP answers only. */
class Http3ListenerTest {
  @TempDir static Path dir;
  static Vertx vertx;
  static Bff.RunningBff bff;
  static io.vertx.core.http.HttpServer upstream;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> req.response()
        .putHeader("content-type", "application/json")
        .end("{\"method\":\"" + req.method() + "\",\"path\":\"" + req.path() + "\",\"bytes\":" + b.length() + "}")))
        .listen(0, "127.0.0.1").await();
    TestCerts certs = new TestCerts(dir).issue("bff");
    ClientBundle b = TestBundles.bundle(TestBundles.server(Duration.ofSeconds(1)), Duration.ofSeconds(5),
        Map.of("echo", TestBundles.service("echo", upstream.actualPort())),
        List.of(new ProxyRouteConfig("/api/", "echo", "/api", Set.of())), "type Query { ping: String }", Map.of());
    TlsConfig tls = new TlsConfig(certs.path("bff.pem"), certs.path("bff-key.pem"), Duration.ofMinutes(1), Duration.ZERO);
    var cfg = b.config().withEdge(FiltersConfig.none(), CorsConfig.off(), tls);
    cfg = cfg.withServer(cfg.server().withHttp3(Http3Config.off().withEnabled(true)));
    bff = Bff.start(vertx, new ClientBundle(cfg, b.schema(), b.screens())).await();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void answersOverHttp3OnTheTcpPortNumber() throws Exception {
    try (H3Client h3 = new H3Client(bff.port())) {
      H3Client.Answer health = h3.get("/healthz");
      assertEquals(200, health.status(), health.text());
      assertNotNull(health.header("x-request-id"));
      assertNull(health.header("alt-svc"), "an HTTP/3 answer does not advertise HTTP/3");

      byte[] body = new byte[60_000];
      H3Client.Answer post = h3.send("POST", "/api/things?x=1", Map.of("content-type", "application/octet-stream"), body)
          .get(10, TimeUnit.SECONDS);
      assertEquals(200, post.status(), post.text());
      assertEquals("{\"method\":\"POST\",\"path\":\"/things\",\"bytes\":60000}", post.text());
      assertEquals(404, h3.get("/nothing").status());
    }
  }

  @Test
  void tcpAnswersAdvertiseTheHttp3Listener() throws Exception {
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false)
        .setUseAlpn(true).setProtocolVersion(HttpVersion.HTTP_2));
    OnLoop loop = new OnLoop(vertx.getOrCreateContext());
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(bff.port()).setMethod(HttpMethod.GET).setURI("/healthz");
    String altSvc = loop.run(() -> h2.request(o).compose(r -> r.send()).compose(resp -> resp.body()
        .map(x -> resp.version() + " " + resp.getHeader("alt-svc")))).await(10, TimeUnit.SECONDS);
    assertEquals("HTTP_2 h3=\":" + bff.port() + "\"; ma=86400", altSvc);
    assertTrue(altSvc.contains(String.valueOf(bff.port())));
  }
}
