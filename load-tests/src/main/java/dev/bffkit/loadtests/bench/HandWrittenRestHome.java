package dev.bffkit.loadtests.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * The ceiling for the pure-REST screen ({@link RestHome}): the iOS home written by hand on plain
 * Vert.x with every call over REST, the same seven calls to six services as the BFF's rest-home
 * bundle and the same JSON ({@code {"data":{me, feed, unreadCount, recommendations, sponsored,
 * profileViews}}}, the fields of {@code home.graphql}). me, feed, recommendations, unread count, ads
 * and analytics go out at once; the feed's distinct authors follow in one batched users call. The
 * optional fields take the schema's {@code @fallback} (0 or []) on failure, within its {@code @timeout}
 * (as an idle timeout); me or feed failing gives 502 (the BFF would answer partial data).
 *
 * <p>Run by {@code HandWrittenFanout --rest}. It checks no token (the BFF's remembered-token check
 * costs ~27 ns; see {@code JwtBench}). {@link HandWrittenFanout} is the same home with {@link
 * #unreadCount} and {@link #recommendations} over gRPC (the iOS home's calls); everything else is
 * this class's.
 */
class HandWrittenRestHome extends VerticleBase {
  protected final ToIntFunction<String> ports;
  private final int port;
  private HttpClientAgent client;
  private HttpServer server;

  protected HandWrittenRestHome(ToIntFunction<String> ports, int port) {
    this.ports = ports;
    this.port = port;
  }

  /** Deploys one instance per event loop ({@code instances}) sharing one port; returns the port. */
  static Future<Integer> start(Vertx vertx, Map<String, Integer> servicePorts, int instances) {
    return start(vertx, servicePorts, instances, Scenarios.freePort());
  }

  static Future<Integer> start(Vertx vertx, Map<String, Integer> servicePorts, int instances, int port) {
    return vertx.deployVerticle(() -> new HandWrittenRestHome(servicePorts::get, port),
        new DeploymentOptions().setInstances(instances)).map(id -> port);
  }

  @Override
  public Future<?> start() {
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
        .setKeepAliveTimeout(60), new PoolOptions().setHttp1MaxSize(64));
    server = vertx.createHttpServer().requestHandler(this::handle);
    return server.listen(port, "127.0.0.1");
  }

  @Override
  public Future<?> stop() {
    return server.close().eventually(() -> client.close());
  }

  private Future<Buffer> get(String service, String uri, long timeoutMs) {
    return client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
            .setPort(ports.applyAsInt(service)).setURI(uri).setIdleTimeout(timeoutMs))
        .compose(req -> req.send())
        .compose(resp -> resp.statusCode() == 200 ? resp.body()
            : Future.failedFuture(service + " answered " + resp.statusCode()));
  }

  /** An optional field: {@code field} of the answer, or the schema's fallback on any failure. */
  private Future<Object> optional(String service, String uri, long timeoutMs, String field, Object fallback) {
    return get(service, uri, timeoutMs).map(b -> b.toJsonObject().getValue(field)).otherwise(fallback);
  }

  private void handle(HttpServerRequest req) {
    if ("/readyz".equals(req.path())) {
      req.response().end("ready");
      return;
    }
    if (!RestHome.PATH.equals(req.path())) {
      req.response().setStatusCode(404).end();
      return;
    }
    String user = req.getParam("user", Scenarios.BENCH_USER);
    Future<JsonObject> me = get("users", "/users/" + user, 1000).map(Buffer::toJsonObject);
    Future<JsonArray> feed = get("posts", "/users/" + user + "/feed?limit=10", 1000)
        .map(b -> b.toJsonObject().getJsonArray("items"));
    Future<Object> unread = unreadCount(user);
    Future<JsonArray> recs = recommendations(user);
    Future<Object> ads = optional("ads", "/ads?placement=feed&user=" + user + "&limit=1", 250, "ads", new JsonArray());
    Future<Object> views = optional("analytics", "/users/" + user + "/summary?days=7", 300, "views", 0);
    Future<JsonArray> authors = feed.compose(items -> {
      Set<String> ids = new LinkedHashSet<>();
      for (int i = 0; i < items.size(); i++) ids.add(items.getJsonObject(i).getString("authorId"));
      if (ids.isEmpty()) return Future.succeededFuture(new JsonArray());
      return get("users", "/users?ids=" + String.join(",", ids), 1000).map(Buffer::toJsonArray).otherwise(new JsonArray());
    });
    Future.join(List.of(me, feed, authors, unread, recs, ads, views)).onComplete(ar -> {
      if (me.failed() || feed.failed()) {
        req.response().setStatusCode(502).putHeader("content-type", "application/json").end("{\"error\":\"upstream\"}");
        return;
      }
      JsonObject byId = new JsonObject();
      for (Object o : authors.result()) {
        JsonObject u = (JsonObject) o;
        byId.put(u.getString("id"), u);
      }
      JsonArray posts = new JsonArray();
      for (Object o : feed.result()) {
        JsonObject p = (JsonObject) o;
        posts.add(new JsonObject().put("id", p.getValue("id")).put("text", p.getValue("text"))
            .put("createdAt", p.getValue("createdAt")).put("likes", p.getValue("likes"))
            .put("author", user(byId.getJsonObject(p.getString("authorId")))));
      }
      JsonArray adItems = new JsonArray();
      for (Object o : array(ads.result())) {
        JsonObject a = (JsonObject) o;
        adItems.add(new JsonObject().put("id", a.getValue("id")).put("advertiser", a.getValue("advertiser"))
            .put("headline", a.getValue("headline")).put("image", a.getValue("image")).put("clickUrl", a.getValue("clickUrl")));
      }
      JsonObject data = new JsonObject()
          .put("me", user(me.result()))
          .put("feed", posts)
          .put("unreadCount", unread.result())
          .put("recommendations", recs.result())
          .put("sponsored", adItems)
          .put("profileViews", views.result());
      req.response().putHeader("content-type", "application/json").end(new JsonObject().put("data", data).toBuffer());
    });
  }

  /** {@code unreadCount}: {@code @timeout(ms: 300) @fallback(value: 0)}. */
  protected Future<Object> unreadCount(String user) {
    return optional("notifications", "/users/" + user + "/notifications/unread-count", UNREAD_TIMEOUT_MS, "count", 0);
  }

  /** {@code recommendations(limit: 5) { id title kind image }}: {@code @timeout(ms: 400) @fallback(value: [])}. */
  protected Future<JsonArray> recommendations(String user) {
    return optional("recommendations", "/recommendations?user=" + user + "&limit=" + RECS_LIMIT, RECS_TIMEOUT_MS, "items",
        new JsonArray()).map(items -> {
          JsonArray out = new JsonArray();
          for (Object o : array(items)) {
            JsonObject r = (JsonObject) o;
            out.add(rec(r.getValue("id"), r.getValue("title"), r.getValue("kind"), small(r.getValue("image"))));
          }
          return out;
        });
  }

  /** The schema's {@code @timeout}s of the two fields a subclass may fetch otherwise, and the screen's limit. */
  static final long UNREAD_TIMEOUT_MS = 300;
  static final long RECS_TIMEOUT_MS = 400;
  static final int RECS_LIMIT = 5;

  /** One {@code Rec { id title kind image }} of the screen, image being {@code image.small}. */
  static JsonObject rec(Object id, Object title, Object kind, Object imageSmall) {
    return new JsonObject().put("id", id).put("title", title).put("kind", kind).put("image", imageSmall);
  }

  /** {@code { id name avatar }} with avatar = avatar.small, or null for an unknown user. */
  private static JsonObject user(JsonObject u) {
    return u == null ? null : new JsonObject().put("id", u.getValue("id")).put("name", u.getValue("name"))
        .put("avatar", small(u.getValue("avatar")));
  }

  /** A list field's items; an answer without the field counts as none. */
  private static JsonArray array(Object items) {
    return items instanceof JsonArray a ? a : new JsonArray();
  }

  private static Object small(Object image) {
    return image instanceof JsonObject o ? o.getValue("small") : null;
  }
}
