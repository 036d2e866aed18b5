package dev.bffkit.core.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.AuthConfig;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.CorsConfig;
import dev.bffkit.core.config.FiltersConfig;
import dev.bffkit.core.config.GrpcConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.config.SourceFile;
import dev.bffkit.core.config.TlsConfig;
import dev.bffkit.schemas.interop.v1.EchoReply;
import dev.bffkit.schemas.interop.v1.EchoRequest;
import dev.bffkit.schemas.interop.v1.FailRequest;
import io.grpc.Metadata;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Request headers → gRPC metadata at the transcoding and gRPC-Web bridges, seen by a grpc-java
 * server: Authorization, custom headers and the identity headers of the auth stage arrive;
 * hop-by-hop, framing and gRPC-Web headers do not, nor a client's spoofed identity header;
 * {@code -bin} values arrive as the bytes they encode. gRPC-Web answers carry the service's
 * response headers and trailers (trailer frame, or headers of a trailers-only answer) and expose
 * the gRPC status headers to a browser under CORS.
 */
class GrpcMetadataTest {
  static final String KEY = "k-123";
  static final String ORIGIN = "https://app.example";
  static final Metadata.Key<String> AUTHORIZATION = ascii("authorization");
  static Vertx vertx;
  static InteropServer grpc;
  static Bff.RunningBff bff;
  static HttpClient client;
  static OnLoop loop;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    grpc = new InteropServer();
    GrpcConfig g = GrpcHttpBridgeTest.interopBridged();
    Map<String, ServiceConfig> services = Map.of("interop", TestBundles.service("interop", grpc.port()));
    CompositionConfig comp = new CompositionConfig(Duration.ofSeconds(3), true, "/graphql", "/v1/screens", 100);
    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(KEY.getBytes(StandardCharsets.UTF_8)));
    AuthConfig auth = new AuthConfig(true, List.of("/healthz"), List.of(),
        new AuthConfig.ApiKeys("x-api-key", List.of(new AuthConfig.ApiKey("alice", hash, "gold", Set.of("read")))),
        Map.of("sub", "x-user-id", "tier", "x-user-tier"), Map.of(), 8192);
    CorsConfig cors = new CorsConfig(List.of(ORIGIN), Set.of("GET", "POST"), Set.of("content-type", "x-api-key"),
        Set.of("x-request-id"), false, Duration.ofMinutes(10));
    BffConfig cfg = new BffConfig("test", TestBundles.server(Duration.ofSeconds(2)), comp, services, List.of(), g)
        .withAuth(auth).withEdge(FiltersConfig.none(), cors, TlsConfig.off());
    bff = Bff.start(vertx, new ClientBundle(cfg, new SourceFile("schema.graphqls", "type Query { ping: String }"),
        List.of())).await();
    client = vertx.createHttpClient();
    loop = new OnLoop(vertx.getOrCreateContext());
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    grpc.close();
  }

  static Metadata.Key<String> ascii(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  record Answer(int status, MultiMap headers, Buffer body) {}

  static Answer send(HttpMethod method, String uri, MultiMap headers, Buffer body) throws Exception {
    RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(bff.port()).setURI(uri)
        .setHeaders(headers);
    return loop.run(() -> client.request(o)
            .compose(r -> body == null ? r.send() : r.send(body))
            .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), resp.headers(), b))))
        .await(10, TimeUnit.SECONDS);
  }

  /** A browser-like request: credentials, a custom header, a spoofed identity, hop-by-hop and binary headers. */
  static MultiMap headers() {
    return MultiMap.caseInsensitiveMultiMap()
        .add("x-api-key", KEY)
        .add("Authorization", "Basic dXNlcjpwdw==")
        .add("X-Custom", "c1")
        .add("x-user-id", "mallory")
        .add("x_user_id", "mallory") // a look-alike: CGI-style servers read it as x-user-id
        .add("X_User_Tier", "platinum")
        .add("Keep-Alive", "timeout=5")
        .add("Connection", "keep-alive, x-hop, x-user-id, x-user-tier") // must not remove the gateway's
        .add("x-hop", "only-to-the-next-hop")
        .add("x-request-timeout-ms", "99999")
        .add("grpc-foo", "reserved")
        .add("x-ok-bin", "AAEC/w==")
        .add("x-raw-bin", "hello world");
  }

  /** What the service saw, common to both bridges. */
  static void assertForwarded(Metadata seen) {
    assertEquals("Basic dXNlcjpwdw==", seen.get(AUTHORIZATION));
    assertEquals("c1", seen.get(ascii("x-custom")));
    assertEquals("alice", seen.get(ascii("x-user-id")), "the claim header, not the client's copy");
    assertEquals(List.of("alice"), list(seen.getAll(ascii("x-user-id"))));
    assertEquals("gold", seen.get(ascii("x-user-tier")));
    assertEquals(KEY, seen.get(ascii("x-api-key")));
    for (String gone : new String[] {"x_user_id", "x_user_tier", "keep-alive", "connection", "x-hop", "x-request-timeout-ms", "grpc-foo", "host",
        "content-length", "x-grpc-web"}) {
      assertFalse(seen.containsKey(ascii(gone)), gone + " must not be forwarded: " + seen);
    }
    assertArrayEquals(new byte[] {0, 1, 2, (byte) 255}, seen.get(Metadata.Key.of("x-ok-bin", Metadata.BINARY_BYTE_MARSHALLER)));
    assertArrayEquals("hello world".getBytes(StandardCharsets.ISO_8859_1),
        seen.get(Metadata.Key.of("x-raw-bin", Metadata.BINARY_BYTE_MARSHALLER)));
  }

  static <T> List<T> list(Iterable<T> all) {
    List<T> out = new java.util.ArrayList<>();
    if (all != null) all.forEach(out::add);
    return out;
  }

  @Test
  void transcodedRouteForwardsHeadersAsMetadata() throws Exception {
    grpc.lastMetadata = null;
    Answer a = send(HttpMethod.GET, "/v1/echo/m1", headers(), null);
    assertEquals(200, a.status(), a.body().toString());
    assertForwarded(grpc.lastMetadata);
    // the next request without the custom header does not see it (nothing leaks between requests)
    Answer b = send(HttpMethod.GET, "/v1/echo/m2", MultiMap.caseInsensitiveMultiMap().add("x-api-key", KEY), null);
    assertEquals(200, b.status(), b.body().toString());
    assertNull(grpc.lastMetadata.get(ascii("x-custom")));
    assertEquals("alice", grpc.lastMetadata.get(ascii("x-user-id")));
  }

  @Test
  void spoofedIdentityHeadersAreStrippedEvenWithoutCredentials() throws Exception {
    // auth.required: no credential is 401, and the spoofed header never reaches the service
    grpc.lastMetadata = null;
    Answer a = send(HttpMethod.GET, "/v1/echo/m3", MultiMap.caseInsensitiveMultiMap().add("x-user-id", "mallory"), null);
    assertEquals(401, a.status());
    assertNull(grpc.lastMetadata);
  }

  static MultiMap web() {
    return headers().add("content-type", "application/grpc-web+proto").add("x-grpc-web", "1")
        .add("x-user-agent", "grpc-web-javascript/0.1").add("origin", ORIGIN).add("x-echo-metadata", "v1");
  }

  @Test
  void grpcWebForwardsMetadataBothWays() throws Exception {
    grpc.lastMetadata = null;
    byte[] req = EchoRequest.newBuilder().setId("w1").build().toByteArray();
    Answer a = send(HttpMethod.POST, "/" + InteropServer.SERVICE + "/Echo", web(), GrpcHttpBridgeTest.frame(req));
    assertEquals(200, a.status(), a.body().toString());
    assertForwarded(grpc.lastMetadata);
    assertFalse(grpc.lastMetadata.containsKey(ascii("x-user-agent")));
    // response headers as HTTP headers, trailers in the trailer frame (binary ones in base64)
    assertEquals("v1", a.headers().get("x-echoed"), a.headers().toString());
    GrpcHttpBridgeTest.Frames f = GrpcHttpBridgeTest.frames(a.body());
    assertEquals("w1", EchoReply.parseFrom(f.messages().get(0)).getRequest().getId());
    assertEquals("0", f.trailers().get("grpc-status"), f.trailers().toString());
    assertEquals("v1", f.trailers().get("x-trailer"), f.trailers().toString());
    assertArrayEquals(new byte[] {0, 1, 2, (byte) 255}, java.util.Base64.getDecoder().decode(f.trailers().get("x-trace-bin")));
    // a browser may read the status headers (CORS on)
    String expose = a.headers().get("access-control-expose-headers");
    assertTrue(expose != null && expose.contains("grpc-status") && expose.contains("grpc-message"), expose);
    assertEquals(ORIGIN, a.headers().get("access-control-allow-origin"));
  }

  @Test
  void grpcWebTrailersOnlyErrorCarriesTheTrailersAsHeaders() throws Exception {
    byte[] req = FailRequest.newBuilder().setCode(5).setMessage("no such thing").build().toByteArray();
    Answer a = send(HttpMethod.POST, "/" + InteropServer.SERVICE + "/Fail", web(), GrpcHttpBridgeTest.frame(req));
    assertEquals(200, a.status());
    GrpcHttpBridgeTest.Frames f = GrpcHttpBridgeTest.frames(a.body());
    String status = f.trailers().getOrDefault("grpc-status", a.headers().get("grpc-status"));
    assertEquals("5", status, a.headers() + " " + f.trailers());
    String trailer = f.trailers().getOrDefault("x-trailer", a.headers().get("x-trailer"));
    assertEquals("v1", trailer, a.headers() + " " + f.trailers());
    assertEquals(1, a.headers().getAll("x-trailer").size() + (f.trailers().containsKey("x-trailer") ? 1 : 0),
        "the trailer once: " + a.headers() + " " + f.trailers());
  }

  @Test
  void corsPreflightAllowsTheGrpcWebRequestHeaders() throws Exception {
    Answer a = send(HttpMethod.OPTIONS, "/" + InteropServer.SERVICE + "/Echo", MultiMap.caseInsensitiveMultiMap()
        .add("origin", ORIGIN).add("access-control-request-method", "POST")
        .add("access-control-request-headers", "content-type, x-grpc-web, x-user-agent"), null);
    assertEquals(204, a.status());
    String allowed = a.headers().get("access-control-allow-headers");
    assertTrue(allowed.contains("x-grpc-web") && allowed.contains("x-user-agent") && allowed.contains("grpc-timeout")
        && allowed.contains("x-api-key"), allowed);
  }

  @Test
  void binaryValuesAreCheckedAsBase64() {
    assertTrue(GrpcMetadata.base64("AAEC/w=="));
    assertTrue(GrpcMetadata.base64("AAEC/w"));
    assertTrue(GrpcMetadata.base64(""));
    assertFalse(GrpcMetadata.base64("hello world"));
    assertFalse(GrpcMetadata.base64("AAEC/w="));
    assertFalse(GrpcMetadata.base64("A"));
    assertFalse(GrpcMetadata.base64("a==="));
  }
}
