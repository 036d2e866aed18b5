package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unions and interfaces in a client schema: the BFF starts, and each item of an upstream list takes
 * its object type from the upstream's {@code __typename} (a start once failed with "There is no type
 * resolver defined for interface / union").
 */
class AbstractTypesTest {
  @TempDir Path tmp;
  private final Vertx vertx = Vertx.vertx();
  private Bff.RunningBff bff;

  @AfterEach
  void stop() {
    if (bff != null) bff.close().await();
    vertx.close().await();
  }

  @Test
  void unionAndInterfaceItemsResolveByTypename() throws Exception {
    HttpServer upstream = vertx.createHttpServer().requestHandler(req -> req.response()
        .putHeader("content-type", "application/json")
        .end("[{\"__typename\":\"Post\",\"id\":\"p1\",\"text\":\"hi\"},{\"__typename\":\"Ad\",\"id\":\"a1\",\"headline\":\"buy\"}]"))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    Path dir = Files.createDirectories(tmp.resolve("ios/screens"));
    Files.writeString(dir.getParent().resolve("bff.yaml"), """
        name: ios
        server: { host: 127.0.0.1, port: 0 }
        services:
          feed: { endpoints: "http://127.0.0.1:%d" }
        """.formatted(upstream.actualPort()));
    Files.writeString(dir.getParent().resolve("schema.graphqls"), """
        type Query {
          items: [Item] @rest(service: "feed", path: "/items")
          nodes: [Node] @rest(service: "feed", path: "/items")
        }
        union Item = Post | Ad
        interface Node { id: ID }
        type Post implements Node { id: ID text: String }
        type Ad implements Node { id: ID headline: String }
        """);
    Files.writeString(dir.resolve("home.graphql"), "query Home { items { __typename ... on Post { id text } ... on Ad { id headline } }"
        + " nodes { id ... on Ad { headline } } }\n");
    bff = Bff.start(vertx, BundleLoader.load(dir.getParent(), name -> null)).await(20, TimeUnit.SECONDS);
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + bff.port() + "/v1/screens/home")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    JsonObject data = new JsonObject(r.body()).getJsonObject("data");
    assertEquals(new JsonObject("{\"__typename\":\"Post\",\"id\":\"p1\",\"text\":\"hi\"}"), data.getJsonArray("items").getJsonObject(0));
    assertEquals(new JsonObject("{\"__typename\":\"Ad\",\"id\":\"a1\",\"headline\":\"buy\"}"), data.getJsonArray("items").getJsonObject(1));
    assertEquals(new JsonObject("{\"id\":\"p1\"}"), data.getJsonArray("nodes").getJsonObject(0));
    assertEquals(new JsonObject("{\"id\":\"a1\",\"headline\":\"buy\"}"), data.getJsonArray("nodes").getJsonObject(1));
  }
}
