package dev.bffkit.loadtests.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Canned stand-ins for the six demo services (same endpoints, tiny fixed JSON, PUT/DELETE
 * /_chaos), used only when {@code dev.bffkit.loadtests.demo.DemoServices} is not on the classpath,
 * so the harness and its tests run on their own. Delete once the demo services are merged.
 */
final class StandInBackends implements Scenarios.Backends {
  private final Map<String, HttpServer> servers = new LinkedHashMap<>();
  private final Map<String, int[]> chaos = new LinkedHashMap<>(); // {latencyMs, errorPermille}
  private Vertx vertx;

  static Future<Scenarios.Backends> start(Vertx vertx) {
    StandInBackends b = new StandInBackends();
    b.vertx = vertx;
    List<Future<HttpServer>> all = new ArrayList<>();
    for (String name : Scenarios.SERVICES) {
      int[] c = new int[2];
      b.chaos.put(name, c);
      all.add(vertx.createHttpServer().requestHandler(req -> b.handle(name, c, req)).listen(0, "127.0.0.1")
          .onSuccess(s -> b.servers.put(name, s)));
    }
    return Future.all(all).map(x -> (Scenarios.Backends) b);
  }

  private static JsonObject user(String id) {
    return new JsonObject().put("id", id).put("name", "User " + id).put("handle", id).put("avatar", "https://img.example/" + id);
  }

  private void handle(String service, int[] c, HttpServerRequest req) {
    if (req.path().equals("/_chaos")) {
      if (req.method() == HttpMethod.DELETE) {
        c[0] = 0;
        c[1] = 0;
        req.response().end("{}");
        return;
      }
      req.body().onSuccess(b -> {
        JsonObject o = b.toJsonObject();
        if (o.containsKey("latencyMs")) c[0] = o.getInteger("latencyMs");
        if (o.containsKey("errorRate")) c[1] = (int) Math.round(o.getDouble("errorRate") * 1000);
        req.response().end(o.encode());
      });
      return;
    }
    String[] s = req.path().substring(1).split("/");
    Object body = switch (service) {
      case "users" -> s.length == 1 ? batch(req.getParam("ids", "")) : user(s[1]);
      case "posts" -> s[0].equals("posts") ? post(s[1], "u1") : feed(Integer.parseInt(req.getParam("limit", "10")));
      case "recommendations" -> new JsonObject().put("items", new JsonArray().add(new JsonObject().put("id", "r1").put("title", "Rec")));
      case "notifications" -> new JsonObject().put("count", 7);
      case "ads" -> new JsonObject().put("ads", new JsonArray().add(new JsonObject().put("id", "ad1").put("title", "Ad")));
      default -> new JsonObject().put("user", s.length > 1 ? s[1] : "u1").put("days", 7).put("views", 1234).put("likes", 56);
    };
    boolean fail = c[1] > 0 && ThreadLocalRandom.current().nextInt(1000) < c[1];
    Runnable send = () -> req.response().setStatusCode(fail ? 500 : 200).putHeader("content-type", "application/json")
        .end(fail ? "{\"error\":\"chaos\"}" : body.toString());
    if (c[0] > 0) vertx.setTimer(c[0], t -> send.run());
    else send.run();
  }

  private static JsonObject post(String id, String author) {
    return new JsonObject().put("id", id).put("authorId", author).put("text", "Post " + id + " lorem ipsum dolor sit amet")
        .put("likes", 3).put("reposts", 1).put("replies", 0);
  }

  private static JsonObject feed(int limit) {
    JsonArray items = new JsonArray();
    for (int i = 1; i <= limit; i++) items.add(post("p" + i, "u" + (1 + i % 4)));
    return new JsonObject().put("items", items).put("nextCursor", null);
  }

  private static JsonArray batch(String ids) {
    JsonArray out = new JsonArray();
    for (String id : ids.split(",")) if (!id.isBlank()) out.add(user(id.trim()));
    return out;
  }

  @Override
  public int port(String service) {
    return servers.get(service).actualPort();
  }

  @Override
  public String kind() {
    return "stand-in backends (DemoServices not on the classpath)";
  }

  @Override
  public Future<Void> close() {
    List<Future<Void>> all = new ArrayList<>();
    for (HttpServer s : servers.values()) all.add(s.close());
    return Future.join(all).mapEmpty();
  }
}
