package dev.bffkit.core.server.h3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.TestCerts;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.CorsConfig;
import dev.bffkit.core.config.FiltersConfig;
import dev.bffkit.core.config.GrpcConfig;
import dev.bffkit.core.config.Http3Config;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.config.SourceFile;
import dev.bffkit.core.config.TlsConfig;
import dev.bffkit.core.grpc.InteropServer;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One request model: every route kind (screen with an HTTP and a gRPC field, ad-hoc GraphQL by GET and POST, proxy,
 * REST-to-gRPC transcoding, the refusals in front of them) answers the same over HTTP/3 as over h2 from the same
 * BFF: status, fields and body, once the per-request values (request id) and the transport's own fields are set
 * aside.
 */
class Http3EqualityTest {
  static final String SCHEMA = """
      type Query {
        me: JSON @rest(service: "users", path: "/users/1")
        echo: JSON @grpc(service: "interop", method: "bffkit.interop.v1.Interop/Echo", request: "{\\"id\\": \\"e1\\", \\"text\\": \\"hi\\"}")
      }
      """;
  /** Fields that differ by transport or by request, not by answer. */
  static final Set<String> TRANSPORT = Set.of("x-request-id", "alt-svc", "date");

  @TempDir static Path dir;
  static Vertx vertx;
  static HttpServer users;
  static InteropServer grpc;
  static Bff.RunningBff bff;
  static HttpClient h2;
  static OnLoop loop;
  static H3Client h3;

  record Req(String name, String method, String uri, Map<String, String> headers, String body) {
    @Override
    public String toString() {
      return name;
    }
  }

  record Answer(int status, Map<String, String> headers, String body) {}

  static Stream<Req> requests() {
    Map<String, String> json = Map.of("content-type", "application/json");
    return Stream.of(
        new Req("screen", "GET", "/v1/screens/home", Map.of(), null),
        new Req("screen with variables", "GET", "/v1/screens/home?unused=3", Map.of(), null),
        new Req("unknown screen", "GET", "/v1/screens/nope", Map.of(), null),
        new Req("graphql POST", "POST", "/graphql", json, "{\"query\":\"{ me echo }\"}"),
        new Req("graphql GET", "GET", "/graphql?query=%7B%20me%20%7D", Map.of(), null),
        new Req("graphql invalid", "POST", "/graphql", json, "{\"query\":\"{ nope }\"}"),
        new Req("graphql bad json", "POST", "/graphql", json, "{\"query\":"),
        new Req("proxy GET", "GET", "/api/things?x=1&y=%20z", Map.of("x-custom", "v"), null),
        new Req("proxy POST", "POST", "/api/things", json, "{\"a\":" + "1".repeat(20_000) + "}"),
        new Req("proxy HEAD", "HEAD", "/api/things", Map.of(), null),
        new Req("transcode GET", "GET", "/v1/echo/a%2Fb?color=RED&tags=x&tags=y", Map.of("x-tenant", "t1"), null),
        new Req("transcode POST", "POST", "/v1/echo/p1", json, "{\"text\":\"hi\",\"counts\":{\"k\":\"5\"}}"),
        new Req("transcode PUT", "PUT", "/v1/items/i9?note=fragile", json, "{\"name\":\"box\",\"qty\":2}"),
        new Req("transcode bad field", "GET", "/v1/echo/x?nope=1", Map.of(), null),
        new Req("transcode wrong method", "DELETE", "/v1/echo/x", Map.of(), null),
        new Req("grpc status", "GET", "/v1/fail/5", Map.of(), null),
        new Req("no route", "GET", "/nothing/here", Map.of(), null),
        new Req("health", "GET", "/healthz", Map.of(), null));
  }

  /** The interop gRPC service, transcoded to REST by its google.api.http rules. */
  static GrpcConfig interopTranscoded() {
    GrpcConfig.Pos pos = new GrpcConfig.Pos("bff.yaml", 1, "grpc");
    return new GrpcConfig(List.of(new GrpcConfig.Entry("classpath:grpc/bffkit-services.desc", pos)),
        GrpcConfig.DEFAULT_MAX_MESSAGE_BYTES, Set.of("interop"),
        List.of(new GrpcConfig.Expose("interop", InteropServer.SERVICE, "", pos)), List.of());
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    grpc = new InteropServer();
    users = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      if (req.path().startsWith("/users/")) {
        req.response().putHeader("content-type", "application/json").end("{\"id\":\"1\",\"name\":\"Ada\"}");
        return;
      }
      // The proxy's echo: what arrived, in a stable order (the hop's own fields set aside).
      Map<String, String> seen = new TreeMap<>();
      req.headers().forEach(h -> {
        String n = h.getKey().toLowerCase();
        if (!n.startsWith("x-forwarded") && !n.equals("forwarded") && !n.equals("x-request-id") && !n.equals("traceparent")
            && !n.equals("host") && !n.equals("content-length") && !n.equals("x-request-timeout-ms")) seen.merge(n, h.getValue(), (a, c) -> a + "," + c);
      });
      req.response().putHeader("content-type", "application/json").putHeader("cache-control", "max-age=5")
          .end("{\"method\":\"" + req.method() + "\",\"uri\":\"" + req.uri() + "\",\"bytes\":" + b.length()
              + ",\"headers\":\"" + seen + "\"}");
    })).listen(0, "127.0.0.1").await();
    TestCerts certs = new TestCerts(dir).issue("bff");
    Map<String, ServiceConfig> services = Map.of("interop", TestBundles.service("interop", grpc.port()),
        "users", TestBundles.service("users", users.actualPort()));
    CompositionConfig comp = new CompositionConfig(Duration.ofSeconds(5), true, "/graphql", "/v1/screens", 100);
    BffConfig cfg = new BffConfig("test", TestBundles.server(Duration.ofSeconds(1)), comp, services,
        List.of(new ProxyRouteConfig("/api/", "users", "/api", Set.of())), interopTranscoded());
    cfg = cfg.withEdge(FiltersConfig.none(), CorsConfig.off(),
        new TlsConfig(certs.path("bff.pem"), certs.path("bff-key.pem"), Duration.ofMinutes(1), Duration.ofDays(1)));
    cfg = cfg.withServer(cfg.server().withHttp3(Http3Config.off().withEnabled(true)));
    bff = Bff.start(vertx, new ClientBundle(cfg, new SourceFile("schema.graphqls", SCHEMA), List.of(
        new SourceFile("screens/home.graphql", "query Home { me echo }")))).await();
    h2 = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false)
        .setUseAlpn(true).setProtocolVersion(HttpVersion.HTTP_2));
    loop = new OnLoop(vertx.getOrCreateContext());
    h3 = new H3Client(bff.port());
  }

  @AfterAll
  static void stop() throws Exception {
    if (h3 != null) h3.close();
    vertx.close().await(10, TimeUnit.SECONDS);
    grpc.close();
  }

  static Answer overH2(Req r) throws Exception {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(bff.port()).setMethod(HttpMethod.valueOf(r.method()))
        .setURI(r.uri());
    r.headers().forEach(o::putHeader);
    return loop.run(() -> h2.request(o).compose(req -> r.body() == null ? req.send() : req.send(Buffer.buffer(r.body())))
        .compose(resp -> resp.body().map(b -> {
          assertEquals(HttpVersion.HTTP_2, resp.version());
          return new Answer(resp.statusCode(), fields(resp.headers()), normalize(b.toString()));
        }))).await(10, TimeUnit.SECONDS);
  }

  static Answer overH3(Req r) throws Exception {
    H3Client.Answer a = h3.send(r.method(), r.uri(), r.headers(),
        r.body() == null ? null : r.body().getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    a.headers().forEach(m::add);
    return new Answer(a.status(), fields(m), normalize(a.text()));
  }

  static Map<String, String> fields(MultiMap headers) {
    Map<String, String> out = new TreeMap<>();
    headers.forEach(h -> {
      String n = h.getKey().toLowerCase();
      // A screen's ETag hashes its body, which holds the per-request values normalize() sets aside.
      if (!TRANSPORT.contains(n)) out.merge(n, n.equals("etag") ? "W/present" : h.getValue(), (a, b) -> a + "," + b);
    });
    return out;
  }

  /**
   * What differs per request, not per transport: the request id (in errors, and echoed by the gRPC service) and the
   * deadline's milliseconds left when the service was called.
   */
  static String normalize(String body) {
    return REQUEST_ID.matcher(DEADLINE.matcher(body).replaceAll("\"deadline\":\"$1\"")).replaceAll("\"$1\":\"-\"");
  }

  static final Pattern REQUEST_ID = Pattern.compile("\"(requestId|x-request-id)\":\"[0-9a-f]+\"");
  static final Pattern DEADLINE = Pattern.compile("\"deadline\":\"([a-z]+): [0-9]+\"");

  @ParameterizedTest(name = "{0}")
  @MethodSource("requests")
  void answersEqualTheH2Answers(Req r) throws Exception {
    Answer viaH2 = overH2(r);
    Answer viaH3 = overH3(r);
    assertTrue(viaH2.status() > 0, r.name());
    assertEquals(viaH2, viaH3, r.name());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requests")
  void answersAlikeWhenManyRunAtOnceOnOneConnection(Req r) throws Exception {
    Answer expected = overH2(r);
    List<CompletableFuture<H3Client.Answer>> all = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      all.add(h3.send(r.method(), r.uri(), r.headers(), r.body() == null ? null : r.body().getBytes(StandardCharsets.UTF_8)));
    }
    for (var f : all) {
      H3Client.Answer a = f.get(10, TimeUnit.SECONDS);
      MultiMap m = MultiMap.caseInsensitiveMultiMap();
      a.headers().forEach(m::add);
      assertEquals(expected, new Answer(a.status(), fields(m), normalize(a.text())), r.name());
    }
  }
}
