package dev.bffkit.core.portal.keys;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/** Real BFFs for the keys tests: an upstream answering "up", a proxy route needing auth, tiers free and pro. */
public final class KeysFixture {
  public static final String ADMIN_TOKEN = "admin-secret-0123456789abcdef";
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private KeysFixture() {}

  public static String yaml(int upstreamPort, String issuer, String store, String extra) {
    String issuers = issuer == null ? "" : """
          issuers:
            - { issuer: "%s", jwksUrl: "%s/.well-known/jwks.json", audiences: [bff] }
        """.formatted(issuer, issuer);
    return """
        name: ios
        server: { host: 127.0.0.1, port: 0, instances: 1 }
        admin: { token: "%s" }
        services:
          posts: { endpoints: "http://127.0.0.1:%d" }
        routes:
          - { prefix: /api/posts, service: posts }
        auth:
          required: true
        %s
        rateLimits:
          tiers:
            free: { limits: [ { name: minute, limit: 1000, per: 1m } ] }
            pro:  { limits: [ { name: minute, limit: 5000, per: 1m } ] }
        portal:
          keys:
            enabled: true
            maxPerDeveloper: 3
            store: %s
        """.formatted(ADMIN_TOKEN, upstreamPort, issuers, store) + extra;
  }

  public static Bff.RunningBff start(Vertx vertx, Path dir, String yaml) throws Exception {
    Files.createDirectories(dir.resolve("screens"));
    Files.writeString(dir.resolve("bff.yaml"), yaml);
    Files.writeString(dir.resolve("schema.graphqls"), "type Query { hello: String }\n");
    Files.writeString(dir.resolve("screens/home.graphql"), "query Home { hello }\n");
    return Bff.start(vertx, BundleLoader.load(dir, n -> null)).await(20, TimeUnit.SECONDS);
  }

  /** A keys API call with the admin token and (when not null) the developer's token. */
  static HttpResponse<String> api(Bff.RunningBff b, String method, String path, String devToken, String type, String body)
      throws Exception {
    return api(HTTP, b, method, path, devToken, type, body);
  }

  /**
   * As above on {@code http}: a refusal that closes its connection (431, 413 before the body is read) needs a client
   * of its own, or the next request may be sent on the closing connection.
   */
  static HttpResponse<String> api(HttpClient http, Bff.RunningBff b, String method, String path, String devToken,
      String type, String body) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.adminPort() + path))
        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + ADMIN_TOKEN)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (devToken != null) r.header(KeysApi.TOKEN_HEADER, devToken);
    if (type != null) r.header("Content-Type", type);
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonObject create(Bff.RunningBff b, String devToken, String name, String tier) throws Exception {
    HttpResponse<String> r = api(b, "POST", "/portal/keys", devToken, "application/json",
        new JsonObject().put("name", name).put("tier", tier).encode());
    if (r.statusCode() != 201) throw new AssertionError("create: " + r.statusCode() + " " + r.body());
    return new JsonObject(r.body());
  }

  /** The client port's answer to {@code GET /api/posts/1} with this key. */
  public static int call(Bff.RunningBff b, String key) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.port() + "/api/posts/1"))
        .timeout(Duration.ofSeconds(5)).GET();
    if (key != null) r.header("x-api-key", key);
    return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  /** Milliseconds until {@code call(b, key)} answers a status {@code want} accepts (or an AssertionError past 1 s). */
  public static long within1s(Bff.RunningBff b, String key, IntPredicate want, String what) throws Exception {
    long start = System.nanoTime();
    int last;
    do {
      last = call(b, key);
      if (want.test(last)) return (System.nanoTime() - start) / 1_000_000;
      Thread.sleep(20);
    } while (System.nanoTime() - start < 1_000_000_000L);
    throw new AssertionError(what + ": still " + last + " after 1 s");
  }
}
