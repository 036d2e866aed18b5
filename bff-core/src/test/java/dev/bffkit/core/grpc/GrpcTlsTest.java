package dev.bffkit.core.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.TestCerts;
import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.GrpcConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.config.SourceFile;
import io.grpc.TlsServerCredentials;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
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

/**
 * gRPC over TLS to a grpc-java server that requires a client certificate signed by the test CA
 * ({@code ClientAuth.REQUIRE}), through a {@code @grpc} field and a transcoded REST route: with
 * the right certificate the call succeeds; without one, or against a server certificate the
 * configured CA did not sign, the field is null with an error and the route answers 503, and the
 * next good request still works. Broken PEM files stop the start with their bff.yaml line.
 * Certificates come from openssl at test time, as in {@code MutualTlsTest}.
 */
class GrpcTlsTest {
  @TempDir static Path dir;
  static TestCerts certs;
  static Vertx vertx;
  static InteropServer grpc;
  static Bff.RunningBff bff;
  static HttpClient client;
  static OnLoop loop;

  static final String SCHEMA = """
      type Query {
        good(id: String): String @grpc(service: "interop", method: "bffkit.interop.v1.Interop/Echo",
                                       request: "{\\"id\\": {args.id}}", select: "request.id")
        noCert(id: String): String @grpc(service: "nocert", method: "bffkit.interop.v1.Interop/Echo",
                                       request: "{\\"id\\": {args.id}}", select: "request.id")
        untrusted(id: String): String @grpc(service: "untrusted", method: "bffkit.interop.v1.Interop/Echo",
                                       request: "{\\"id\\": {args.id}}", select: "request.id")
      }
      """;

  @BeforeAll
  static void start() throws Exception {
    certs = new TestCerts(dir).ca("other-ca").issue("upstream", "bff");
    vertx = Vertx.vertx();
    grpc = new InteropServer(TlsServerCredentials.newBuilder()
        .keyManager(dir.resolve("upstream.pem").toFile(), dir.resolve("upstream-key.pem").toFile())
        .trustManager(dir.resolve("ca.pem").toFile())
        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
        .build());
    GrpcConfig.Pos pos = new GrpcConfig.Pos("bff.yaml", 1, "grpc");
    GrpcConfig g = new GrpcConfig(List.of(new GrpcConfig.Entry("classpath:grpc/bffkit-services.desc", pos)),
        GrpcConfig.DEFAULT_MAX_MESSAGE_BYTES, Set.of("interop", "nocert", "untrusted"),
        List.of(new GrpcConfig.Expose("interop", InteropServer.SERVICE, "", pos),
            new GrpcConfig.Expose("nocert", InteropServer.SERVICE, "/nocert", pos),
            new GrpcConfig.Expose("untrusted", InteropServer.SERVICE, "/untrusted", pos)),
        List.of());
    Map<String, ServiceConfig> services = Map.of(
        "interop", tls("interop", new ServiceConfig.Tls(path("ca.pem"), path("bff.pem"), path("bff-key.pem"), true)),
        "nocert", tls("nocert", new ServiceConfig.Tls(path("ca.pem"), null, null, true)),
        "untrusted", tls("untrusted", new ServiceConfig.Tls(path("other-ca.pem"), path("bff.pem"), path("bff-key.pem"), true)));
    CompositionConfig comp = new CompositionConfig(Duration.ofSeconds(3), true, "/graphql", "/v1/screens", 100);
    BffConfig cfg = new BffConfig("test", TestBundles.server(Duration.ofSeconds(2)), comp, services, List.of(), g);
    bff = Bff.start(vertx, new ClientBundle(cfg, new SourceFile("schema.graphqls", SCHEMA), List.of())).await();
    client = vertx.createHttpClient();
    loop = new OnLoop(vertx.getOrCreateContext());
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
    if (grpc != null) grpc.close();
  }

  static ServiceConfig tls(String name, ServiceConfig.Tls tls) {
    ServiceConfig b = TestBundles.service(name, grpc.port());
    return new ServiceConfig(name, List.of(URI.create("https://127.0.0.1:" + grpc.port())), b.connectTimeout(),
        b.poolSize(), b.keepAlive(), b.timeout(), b.discovery(), b.balancer(), b.healthCheck(), b.outlier(), b.breaker(),
        b.retry(), b.hedge(), b.bulkhead(), b.http2(), tls);
  }

  static String path(String file) {
    return certs.path(file);
  }

  record Answer(int status, Buffer body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  static Answer send(HttpMethod method, String uri, Buffer body) throws Exception {
    RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(bff.port()).setURI(uri)
        .putHeader("content-type", "application/json");
    return loop.run(() -> client.request(o)
            .compose(r -> body == null ? r.send() : r.send(body))
            .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b))))
        .await(10, TimeUnit.SECONDS);
  }

  static JsonObject graphql(String query) throws Exception {
    Answer a = send(HttpMethod.POST, "/graphql", Buffer.buffer(new JsonObject().put("query", query).encode()));
    assertEquals(200, a.status(), a.body().toString());
    return a.json();
  }

  @Test
  void mutualTlsThroughAFieldAndATranscodedRoute() throws Exception {
    JsonObject r = graphql("{ good(id: \"a1\") }");
    assertEquals("a1", r.getJsonObject("data").getString("good"), r.encode());
    assertNull(r.getJsonArray("errors"), r.encode());
    Answer route = send(HttpMethod.GET, "/v1/echo/r1", null);
    assertEquals(200, route.status(), route.body().toString());
    assertEquals("r1", route.json().getJsonObject("request").getString("id"));
  }

  @Test
  void withoutAClientCertificateTheCallFailsCleanly() throws Exception {
    JsonObject r = graphql("{ noCert(id: \"a\") good(id: \"b\") }");
    assertNull(r.getJsonObject("data").getValue("noCert"), r.encode());
    assertEquals("b", r.getJsonObject("data").getString("good"), r.encode());
    String error = r.getJsonArray("errors").getJsonObject(0).getString("message");
    assertTrue(error.startsWith("the service closed the connection"), error); // services unnamed by default
    Answer route = send(HttpMethod.GET, "/nocert/v1/echo/x", null);
    assertEquals(503, route.status(), route.body().toString());
    assertEquals("UNAVAILABLE", route.json().getString("status"), route.body().toString());
    assertTrue(route.json().getString("message").contains("nocert"), route.body().toString());
    stillHealthy();
  }

  @Test
  void anUntrustedServerCertificateFailsTheHandshake() throws Exception {
    JsonObject r = graphql("{ untrusted(id: \"a\") }");
    assertNull(r.getJsonObject("data").getValue("untrusted"), r.encode());
    String error = r.getJsonArray("errors").getJsonObject(0).getString("message");
    assertEquals("the service is unreachable: TLS handshake failed", error);
    Answer route = send(HttpMethod.GET, "/untrusted/v1/echo/x", null);
    assertEquals(503, route.status(), route.body().toString());
    assertTrue(route.json().getString("message").contains("TLS handshake failed"), route.body().toString());
    stillHealthy();
  }

  private void stillHealthy() throws Exception {
    assertEquals("ok", graphql("{ good(id: \"ok\") }").getJsonObject("data").getString("good"));
    assertEquals(200, send(HttpMethod.GET, "/v1/echo/ok", null).status());
  }

  /** A client folder whose interop service has {@code tls:}; the start fails on its PEM files. */
  private String startFails(String tlsBlock) throws Exception {
    Path folder = Files.createTempDirectory(dir, "app");
    Files.createDirectories(folder.resolve("screens"));
    Files.writeString(folder.resolve("bff.yaml"), """
        name: app
        services:
          interop:
            endpoints: ["https://127.0.0.1:1"]
            protocol: grpc
            tls:
        """ + tlsBlock + """
        grpc:
          descriptors: [classpath:grpc/bffkit-services.desc]
        """);
    Files.writeString(folder.resolve("schema.graphqls"), "type Query { x: Int }\n");
    ClientBundle b = BundleLoader.load(folder, Map.<String, String>of()::get);
    Exception e = assertThrows(Exception.class, () -> Bff.start(vertx, b).await(10, TimeUnit.SECONDS));
    assertTrue(e instanceof ConfigException, e.toString());
    return e.getMessage().substring(e.getMessage().indexOf("bff.yaml"));
  }

  @Test
  void missingOrBrokenPemFilesNameTheirLine() throws Exception {
    String missing = startFails("      ca: " + path("nope.pem") + "\n");
    assertTrue(missing.startsWith("bff.yaml:7: services.interop.tls.ca: '" + path("nope.pem") + "' cannot be read"),
        missing);
    Files.writeString(dir.resolve("broken-key.pem"), "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
    String badKey = startFails("      cert: " + path("bff.pem") + "\n      key: " + path("broken-key.pem") + "\n");
    assertTrue(badKey.startsWith("bff.yaml:8: services.interop.tls.key: '" + path("broken-key.pem")
        + "' is not a usable private key"), badKey);
    String certAsCa = startFails("      ca: " + path("bff-key.pem") + "\n");
    assertTrue(certAsCa.startsWith("bff.yaml:7: services.interop.tls.ca: '" + path("bff-key.pem")
        + "' holds no usable PEM certificate"), certAsCa);
  }
}
