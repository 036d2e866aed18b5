package dev.bffkit.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.AuthConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.ServerConfig;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A new instance is not ready until it has its issuers' keys (auth.keysBeforeReady at most): in a rolling deploy it
 * takes no traffic whose tokens it cannot check yet, and an identity provider that is down cannot stop it starting.
 */
class KeysBeforeReadyTest {
  private Vertx vertx;
  private TestIdp idp;
  private Bff.RunningBff bff;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    idp = new TestIdp().start(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private Bff.RunningBff bff(Duration keysBeforeReady) throws Exception {
    AuthConfig auth = new AuthConfig(true, List.of("/healthz", "/readyz"),
        List.of(AuthTestSupport.issuer(idp.issuer, URI.create(idp.jwksUrl()), Duration.ofSeconds(30))),
        AuthConfig.ApiKeys.none(), Map.of(), Map.of(), 8192, keysBeforeReady, true);
    ServerConfig server = new ServerConfig("127.0.0.1", 0, 1, Duration.ofSeconds(1), Duration.ofSeconds(30), 64 * 1024, 64 * 1024);
    ClientBundle b = TestBundles.bundle(server, Duration.ofSeconds(5), Map.of("up", TestBundles.service("up", 1)),
        List.of(new ProxyRouteConfig("/up", "up", "/up", Set.of())), "type Query { ping: String }", Map.of());
    return Bff.start(vertx, new ClientBundle(b.config().withAuth(auth), b.schema(), b.screens())).await();
  }

  private HttpResponse<String> readyz() throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.adminPort() + "/readyz")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readyOnlyOnceTheKeysAreIn() throws Exception {
    bff = bff(Duration.ofSeconds(10));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    HttpResponse<String> r = readyz();
    while (r.statusCode() != 200 && System.nanoTime() < deadline) r = readyz();
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(idp.jwksFetches.get() >= 1, "ready after the keys were fetched");
    assertEquals("{\"status\":\"UP\"}", r.body());
  }

  @Test
  void aDownIdentityProviderHoldsReadinessForTheWaitOnly() throws Exception {
    idp.down = true;
    long t0 = System.nanoTime();
    bff = bff(Duration.ofMillis(1500));
    HttpResponse<String> held = readyz();
    assertEquals(503, held.statusCode(), held.body());
    assertTrue(held.body().contains("no keys yet from " + idp.issuer), held.body());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    HttpResponse<String> r = readyz();
    while (r.statusCode() != 200 && System.nanoTime() < deadline) {
      Thread.sleep(50);
      r = readyz();
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertEquals(200, r.statusCode(), "ready after keysBeforeReady even without keys: " + r.body());
    assertTrue(ms >= 1400, "not before the wait: " + ms + " ms");
    assertTrue(r.body().contains("no keys yet"), "the problem stays in the body: " + r.body());
  }
}
