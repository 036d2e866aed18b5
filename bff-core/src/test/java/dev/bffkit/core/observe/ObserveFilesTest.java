package dev.bffkit.core.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.observe.audit.AuditRecord;
import dev.bffkit.core.observe.audit.AuditVerify;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real BFF from a bff.yaml with the access log and the audit trail in files: callers send an
 * API key, a bearer token, a cookie, a secret in the query and in the body; none of them reaches
 * either file, every access-log line is JSON, and the audit file verifies.
 */
class ObserveFilesTest {
  @TempDir Path tmp;

  @Test
  void aRealBffLogsAndAuditsWithoutSecrets() throws Exception {
    String apiKey = "ak_live_SECRET_API_KEY_1234567890";
    String bearer = "eyJhbGciOiJSUzI1NiJ9.SECRET-BEARER.sig";
    String queryToken = "SECRET_QUERY_TOKEN";
    String cookie = "SECRET_SESSION_COOKIE";
    String body = "{\"password\":\"SECRET_BODY\"}";
    String pathId = "user-4711-SECRETID";
    String keyHash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(apiKey.getBytes(StandardCharsets.UTF_8)));

    Vertx vertx = Vertx.vertx();
    Bff.RunningBff bff = null;
    Path accessLog = tmp.resolve("access.log");
    Path audit = tmp.resolve("audit.log");
    int requests = 0;
    try {
      HttpServer rest = vertx.createHttpServer().requestHandler(req -> req.body().onComplete(b ->
          req.response().putHeader("content-type", "application/json").end("{\"name\":\"Ann\",\"id\":\"p1\"}")))
          .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
      Path dir = Files.createDirectories(tmp.resolve("ios"));
      Files.writeString(dir.resolve("bff.yaml"), """
          name: ios
          server: { host: 127.0.0.1, port: 0, instances: 2 }
          services:
            users: { endpoints: http://127.0.0.1:%1$d }
            posts: { endpoints: http://127.0.0.1:%1$d }
          routes:
            - { prefix: /api/posts, service: posts }
          auth:
            apiKeys:
              keys:
                - { name: partner, sha256: "%2$s" }
          admin: { port: 0 }
          observe:
            tracing: { enabled: false }
            accessLog: { file: "%3$s" }
            audit: { file: "%4$s", checkpointEvery: 3 }
          """.formatted(rest.actualPort(), keyHash, accessLog, audit));
      Files.writeString(dir.resolve("schema.graphqls"), "type Query { me: User @rest(service: \"users\", path: \"/users/u1\") }\ntype User { name: String }\n");
      Files.createDirectories(dir.resolve("screens"));
      Files.writeString(dir.resolve("screens/home.graphql"), "query Home { me { name } }\n");
      bff = Bff.start(vertx, BundleLoader.load(dir)).await(20, TimeUnit.SECONDS);
      bff.warmedUp().await(20, TimeUnit.SECONDS);

      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String base = "http://127.0.0.1:" + bff.port();
      for (String target : List.of("/v1/screens/home?token=" + queryToken, "/api/posts/" + pathId + "?token=" + queryToken,
          "/nowhere/" + pathId + "?token=" + queryToken)) {
        for (String method : List.of("GET", "POST")) {
          for (boolean withKey : new boolean[] {true, false}) {
            HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + target)).timeout(Duration.ofSeconds(10))
                .header("Cookie", "session=" + cookie);
            if (withKey) r.header("X-API-Key", apiKey);
            else r.header("Authorization", "Bearer " + bearer); // not a token this BFF trusts: 401
            r.method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString(body) : HttpRequest.BodyPublishers.noBody());
            http.send(r.build(), HttpResponse.BodyHandlers.ofString());
            requests++;
          }
        }
      }
    } finally {
      if (bff != null) bff.close().await(10, TimeUnit.SECONDS); // closes the writers: everything is flushed
      vertx.close().await(10, TimeUnit.SECONDS);
    }

    String log = Files.readString(accessLog);
    String trail = Files.readString(audit);
    for (String secret : List.of(apiKey, bearer, "SECRET", queryToken, cookie, "password", "token=", pathId)) {
      assertFalse(log.contains(secret), "the access log holds '" + secret + "':\n" + log);
      assertFalse(trail.contains(secret), "the audit trail holds '" + secret + "':\n" + trail);
    }
    List<String> lines = log.lines().toList();
    assertEquals(requests, lines.size(), log);
    int routed = 0;
    int refused = 0;
    for (String line : lines) {
      JsonObject j = new JsonObject(line);
      if (j.getString("route") != null) routed++;
      else assertTrue(j.getInteger("status") == 404 || j.getInteger("status") == 405, line);
      if (j.getInteger("status") == 200) {
        assertEquals("partner", j.getString("subject"), line);
        assertEquals("apikey", j.getString("admitted_as"), line);
      }
      if (j.getInteger("status") == 401) {
        refused++;
        assertEquals("invalid_token", j.getString("error_code"), line);
      }
    }
    assertEquals(3, refused, "the bearer token this BFF does not trust, on each routed target:\n" + log);
    assertEquals(0, AuditVerify.run(new String[] {"verify", audit.toString()}), trail);
    long audited = trail.lines().filter(l -> l.contains("\"type\":\"request\"")).count();
    assertEquals(routed, audited, "every routed request (refused or not), no unrouted one:\n" + trail);
    assertTrue(trail.lines().allMatch(l -> l.length() < AuditRecord.MAX_LINE));
  }

  @Test
  void theAuditTrailSignsTheBodiesAsTheClientAndTheServiceSawThem() throws Exception {
    Vertx vertx = Vertx.vertx();
    Bff.RunningBff bff = null;
    Path audit = tmp.resolve("signed.log");
    String sent = "{\"text\":\"hello\"}".repeat(2000); // several chunks on the way in and out
    Map<String, String> answers = new HashMap<>();
    try {
      // posts echoes the body it got, reversed in case: the answer differs from the request.
      HttpServer rest = vertx.createHttpServer().requestHandler(req -> req.body().onComplete(b -> req.response()
          .putHeader("content-type", "application/json").end(b.result().length() == 0 ? "{\"name\":\"Ann\"}"
              : b.result().toString().toUpperCase())))
          .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
      Path dir = Files.createDirectories(tmp.resolve("signed"));
      Files.writeString(dir.resolve("bff.yaml"), """
          name: ios
          server: { host: 127.0.0.1, port: 0, instances: 1 }
          services:
            users: { endpoints: http://127.0.0.1:%1$d }
            posts: { endpoints: http://127.0.0.1:%1$d }
          routes:
            - { prefix: /api/posts, service: posts, maxBodyBytes: 1mb }
          admin: { port: 0 }
          observe:
            tracing: { enabled: false }
            accessLog: { enabled: false }
            audit: { file: "%2$s" }
          """.formatted(rest.actualPort(), audit));
      Files.writeString(dir.resolve("schema.graphqls"), "type Query { me: User @rest(service: \"users\", path: \"/users/u1\") }\ntype User { name: String }\n");
      Files.createDirectories(dir.resolve("screens"));
      Files.writeString(dir.resolve("screens/home.graphql"), "query Home { me { name } }\n");
      bff = Bff.start(vertx, BundleLoader.load(dir)).await(20, TimeUnit.SECONDS);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String base = "http://127.0.0.1:" + bff.port();
      HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(base + "/api/posts/1")).header("x-request-id", "post-1")
          .POST(HttpRequest.BodyPublishers.ofString(sent)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, posted.statusCode());
      answers.put("post-1", posted.body());
      HttpResponse<String> screen = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/screens/home")).header("x-request-id", "get-1")
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, screen.statusCode());
      answers.put("get-1", screen.body());
    } finally {
      if (bff != null) bff.close().await(10, TimeUnit.SECONDS);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    Map<String, JsonObject> byId = new HashMap<>();
    for (String line : Files.readAllLines(audit)) {
      JsonObject j = new JsonObject(line);
      if ("request".equals(j.getString("type"))) byId.put(j.getString("request_id"), j);
    }
    JsonObject post = byId.get("post-1");
    assertEquals(sha256(sent), post.getString("req_sha256"), "the request body as the service got it");
    assertEquals(sha256(answers.get("post-1")), post.getString("resp_sha256"), "the relayed answer as the client got it");
    JsonObject get = byId.get("get-1");
    assertNull(get.getString("req_sha256"), "no request body");
    assertEquals(sha256(answers.get("get-1")), get.getString("resp_sha256"), "the screen as the client got it");
  }

  private static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
