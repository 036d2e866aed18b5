package dev.bffkit.core.security;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.AuthConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.ServerConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** A BFF with auth in front of a users service that echoes the identity headers it receives. */
final class AuthTestSupport {
  static final String SCHEMA = """
      type Query {
        me: User @rest(service: "users", path: "/users/{ctx.sub}")
        admin: String @rest(service: "users", path: "/admin") @auth(scopes: ["admin"])
      }
      type User { id: ID, name: String, seenUser: String, seenSpoof: String, secret: String @auth(scopes: ["admin"]) }
      """;
  static final Map<String, String> SCREENS = Map.of(
      "me", "query Me { me { id name } }",
      "mine", "query Mine { me { id name seenUser seenSpoof secret } }",
      "admin", "query Admin { me { id } }");

  record Answer(int status, MultiMap headers, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  final Vertx vertx;
  final HttpServer users;
  final HttpClient client;
  final OnLoop loop;
  Bff.RunningBff bff;

  AuthTestSupport(Vertx vertx) {
    this.vertx = vertx;
    users = vertx.createHttpServer().requestHandler(req -> {
      String id = req.path().startsWith("/users/") ? req.path().substring(7) : "?";
      req.response().putHeader("content-type", "application/json").end(new JsonObject()
          .put("id", id).put("name", "name-" + id).put("secret", "s3cret")
          .put("seenUser", req.getHeader("x-user-id")).put("seenSpoof", req.getHeader("x-user-scopes"))
          .put("path", req.path()).encode());
    }).listen(0, "127.0.0.1").await();
    client = vertx.createHttpClient();
    loop = new OnLoop(vertx.getOrCreateContext());
  }

  static AuthConfig.Issuer issuer(String iss, URI jwks, Duration minRefetch) {
    return issuer(iss, jwks, minRefetch, Set.of("RS256", "ES256"));
  }

  static AuthConfig.Issuer issuer(String iss, URI jwks, Duration minRefetch, Set<String> algorithms) {
    return new AuthConfig.Issuer(iss, jwks, Set.of("bff"), algorithms, Duration.ofSeconds(5),
        Duration.ofMinutes(10), minRefetch, Duration.ofSeconds(2));
  }

  static AuthConfig auth(List<AuthConfig.Issuer> issuers, AuthConfig.ApiKeys keys) {
    return new AuthConfig(true, List.of("/healthz", "/readyz"), issuers, keys,
        Map.of("sub", "x-user-id", "scope", "x-user-scopes"), Map.of("admin", Set.of("admin")), 8192);
  }

  Bff.RunningBff start(AuthConfig auth) {
    ServerConfig server = new ServerConfig("127.0.0.1", 0, 1, Duration.ofSeconds(1), Duration.ofSeconds(30), 64 * 1024, 64 * 1024);
    ClientBundle b = TestBundles.bundle(server, Duration.ofSeconds(5),
        Map.of("users", TestBundles.service("users", users.actualPort())),
        List.of(new ProxyRouteConfig("/api/users", "users", "/api", Set.of(), Set.of()),
            new ProxyRouteConfig("/api/admin", "users", "/api", Set.of(), Set.of("admin"))),
        SCHEMA, SCREENS);
    b = new ClientBundle(b.config().withAuth(auth), b.schema(), b.screens());
    bff = Bff.start(vertx, b).await();
    return bff;
  }

  Answer get(String uri, String... headers) throws Exception {
    return send(HttpMethod.GET, uri, null, headers);
  }

  Answer send(HttpMethod method, String uri, String body, String... headers) throws Exception {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(bff.port()).setMethod(method).setURI(uri);
    for (int i = 0; i < headers.length; i += 2) o.addHeader(headers[i], headers[i + 1]);
    return loop.run(() -> client.request(o)
            .compose(req -> body == null ? req.send() : req.send(body))
            .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), resp.headers(), b.toString()))))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  Answer bearer(String uri, String token) throws Exception {
    return get(uri, "authorization", "Bearer " + token);
  }
}
