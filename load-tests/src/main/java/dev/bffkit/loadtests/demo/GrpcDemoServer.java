package dev.bffkit.loadtests.demo;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.bffkit.core.upstream.GrpcHealthProto;
import dev.bffkit.schemas.notify.v1.GetCountRequest;
import dev.bffkit.schemas.notify.v1.GetCountResponse;
import dev.bffkit.schemas.notify.v1.ListNotificationsRequest;
import dev.bffkit.schemas.notify.v1.ListNotificationsResponse;
import dev.bffkit.schemas.notify.v1.MarkReadRequest;
import dev.bffkit.schemas.notify.v1.Notification;
import dev.bffkit.schemas.recs.v1.BatchGetRecsRequest;
import dev.bffkit.schemas.recs.v1.BatchGetRecsResponse;
import dev.bffkit.schemas.recs.v1.GetRecRequest;
import dev.bffkit.schemas.recs.v1.GetRecommendationsRequest;
import dev.bffkit.schemas.recs.v1.GetRecommendationsResponse;
import dev.bffkit.schemas.recs.v1.Image;
import dev.bffkit.schemas.recs.v1.ListSavedRequest;
import dev.bffkit.schemas.recs.v1.ListSavedResponse;
import dev.bffkit.schemas.recs.v1.Rec;
import dev.bffkit.schemas.recs.v1.Saved;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The demo's gRPC services on vertx-grpc-server, with the classes generated from shared-schemas:
 * {@code recs.v1.Recommendations} (GetRecommendations, StreamRecommendations, ListSaved, GetRec,
 * BatchGetRecs) and
 * {@code notify.v1.Notifications} (GetCount, ListNotifications, MarkRead), each with the standard
 * {@code grpc.health.v1.Health/Check} for the BFF's health checks. Same data as their REST
 * twins (which stay for the load-test baselines). An unknown user answers NOT_FOUND. gRPC-Web
 * is enabled too (vertx-grpc-server speaks it natively), for comparisons.
 */
public final class GrpcDemoServer {
  private final String name;
  /** The gRPC service it serves, as health checks name it. */
  private final String grpcService;
  private final Consumer<GrpcServer> routes;
  private final AtomicInteger calls = new AtomicInteger();
  private final Map<String, AtomicInteger> callsByMethod = new ConcurrentHashMap<>();
  private final List<String> deployments = new ArrayList<>();
  private volatile int port;
  private Vertx vertx;

  private GrpcDemoServer(String name, String grpcService, Consumer<GrpcServer> routes) {
    this.name = name;
    this.grpcService = grpcService;
    this.routes = routes;
  }

  public String name() {
    return name;
  }

  public int port() {
    return port;
  }

  /** Calls answered so far. */
  public int calls() {
    return calls.get();
  }

  /** Calls of one method ({@code "BatchGetRecs"}) so far. */
  public int calls(String method) {
    AtomicInteger n = callsByMethod.get(method);
    return n == null ? 0 : n.get();
  }

  private static final String STATS = "/_stats";

  /**
   * {@code GET /_stats} on the gRPC port: {"service","requests","routes":{"POST /recs.v1.Recommendations/GetRecommendations":n}},
   * the REST services' format, so the harness's differential checks count gRPC calls as they count REST ones.
   */
  public JsonObject stats() {
    JsonObject routes = new JsonObject();
    new TreeMap<>(callsByMethod).forEach((m, n) -> routes.put("POST /" + grpcService + "/" + m, n.get()));
    return new JsonObject().put("service", name).put("requests", calls.get()).put("routes", routes);
  }

  private static <Q extends com.google.protobuf.Message, A extends com.google.protobuf.Message> ServiceMethod<Q, A> method(
      String service, String method, Q requestDefault) {
    return ServiceMethod.server(ServiceName.create(service), method, GrpcMessageEncoder.encoder(),
        GrpcMessageDecoder.decoder(requestDefault));
  }

  public static GrpcDemoServer recommendations(DemoData data) {
    Map<String, List<Rec>> ranked = new ConcurrentHashMap<>();
    Map<String, Map<String, Rec>> cards = new ConcurrentHashMap<>(); // per user, by id
    return new GrpcDemoServer("recommendations-grpc", "recs.v1.Recommendations", server -> {
      String svc = "recs.v1.Recommendations";
      server.callHandler(method(svc, "GetRecommendations", GetRecommendationsRequest.getDefaultInstance()),
          (GrpcServerRequest<GetRecommendationsRequest, GetRecommendationsResponse> req) -> req.handler(r -> {
            List<Rec> recs = ranked.computeIfAbsent(r.getUserId(), u -> recs(data, u));
            if (recs.isEmpty()) {
              req.response().status(GrpcStatus.NOT_FOUND).statusMessage("user " + r.getUserId()).end();
              return;
            }
            int limit = r.getLimit() <= 0 ? 10 : Math.min(100, r.getLimit());
            req.response().end(GetRecommendationsResponse.newBuilder()
                .addAllItems(recs.subList(0, Math.min(limit, recs.size()))).build());
          }));
      server.callHandler(method(svc, "StreamRecommendations", GetRecommendationsRequest.getDefaultInstance()),
          (GrpcServerRequest<GetRecommendationsRequest, Rec> req) -> req.handler(r -> {
            List<Rec> recs = ranked.computeIfAbsent(r.getUserId(), u -> recs(data, u));
            if (recs.isEmpty()) {
              req.response().status(GrpcStatus.NOT_FOUND).statusMessage("user " + r.getUserId()).end();
              return;
            }
            int limit = r.getLimit() <= 0 ? 10 : Math.min(100, r.getLimit());
            for (int i = 0; i < limit && i < recs.size(); i++) req.response().write(recs.get(i));
            req.response().end();
          }));
      server.callHandler(method(svc, "ListSaved", ListSavedRequest.getDefaultInstance()),
          (GrpcServerRequest<ListSavedRequest, ListSavedResponse> req) -> req.handler(r -> {
            List<Rec> recs = ranked.computeIfAbsent(r.getUserId(), u -> recs(data, u));
            if (recs.isEmpty()) {
              req.response().status(GrpcStatus.NOT_FOUND).statusMessage("user " + r.getUserId()).end();
              return;
            }
            int limit = r.getLimit() <= 0 ? 10 : Math.min(SAVED, r.getLimit());
            ListSavedResponse.Builder b = ListSavedResponse.newBuilder();
            // Saved items sit further down the ranking than the recommendations shown; one a day.
            for (int i = 0; i < limit && SAVED_FROM + 3 * i < recs.size(); i++) {
              b.addItems(Saved.newBuilder().setRecId(recs.get(SAVED_FROM + 3 * i).getId())
                  .setSavedAt(Timestamp.newBuilder().setSeconds(DemoData.NOW.getEpochSecond() - 86_400L * (i + 1))));
            }
            req.response().end(b.build());
          }));
      server.callHandler(method(svc, "GetRec", GetRecRequest.getDefaultInstance()),
          (GrpcServerRequest<GetRecRequest, Rec> req) -> req.handler(r -> {
            Rec rec = cards.computeIfAbsent(r.getUserId(), u -> byId(recs(data, u))).get(r.getId());
            if (rec == null) req.response().status(GrpcStatus.NOT_FOUND).statusMessage("rec " + r.getId()).end();
            else req.response().end(rec);
          }));
      server.callHandler(method(svc, "BatchGetRecs", BatchGetRecsRequest.getDefaultInstance()),
          (GrpcServerRequest<BatchGetRecsRequest, BatchGetRecsResponse> req) -> req.handler(r -> {
            Map<String, Rec> all = cards.computeIfAbsent(r.getUserId(), u -> byId(recs(data, u)));
            BatchGetRecsResponse.Builder b = BatchGetRecsResponse.newBuilder();
            for (String id : r.getIdsList()) {
              Rec rec = all.get(id);
              if (rec != null) b.addItems(rec); // unknown ids are left out
            }
            req.response().end(b.build());
          }));
    });
  }

  /** Saved items ("My list"): at most this many, from this rank on, every third. */
  private static final int SAVED = 30;
  private static final int SAVED_FROM = 12;

  private static Map<String, Rec> byId(List<Rec> recs) {
    Map<String, Rec> out = new java.util.HashMap<>(recs.size() * 2);
    for (Rec r : recs) out.put(r.getId(), r);
    return out;
  }

  private static List<Rec> recs(DemoData data, String user) {
    List<JsonObject> json = data.rankedRecs(user);
    if (json == null) return List.of();
    List<Rec> out = new ArrayList<>(json.size());
    for (JsonObject j : json) {
      JsonObject img = j.getJsonObject("image");
      out.add(Rec.newBuilder().setId(j.getString("id")).setTitle(j.getString("title")).setKind(j.getString("kind"))
          .setScore(j.getDouble("score")).setReason(j.getString("reason"))
          .setImage(Image.newBuilder().setSmall(img.getString("small")).setLarge(img.getString("large")))
          .build());
    }
    return List.copyOf(out);
  }

  public static GrpcDemoServer notifications(DemoData data) {
    return new GrpcDemoServer("notifications-grpc", "notify.v1.Notifications", server -> {
      String svc = "notify.v1.Notifications";
      server.callHandler(method(svc, "GetCount", GetCountRequest.getDefaultInstance()),
          (GrpcServerRequest<GetCountRequest, GetCountResponse> req) -> req.handler(r -> {
            if (data.notifications(r.getUserId()) == null) {
              req.response().status(GrpcStatus.NOT_FOUND).statusMessage("user " + r.getUserId()).end();
              return;
            }
            req.response().end(GetCountResponse.newBuilder().setCount(data.unreadCount(r.getUserId())).build());
          }));
      server.callHandler(method(svc, "ListNotifications", ListNotificationsRequest.getDefaultInstance()),
          (GrpcServerRequest<ListNotificationsRequest, ListNotificationsResponse> req) -> req.handler(r -> {
            List<DemoData.Notification> all = data.notifications(r.getUserId());
            if (all == null) {
              req.response().status(GrpcStatus.NOT_FOUND).statusMessage("user " + r.getUserId()).end();
              return;
            }
            int limit = r.getLimit() <= 0 ? 10 : Math.min(DemoData.NOTIFICATIONS_PER_USER, r.getLimit());
            ListNotificationsResponse.Builder b = ListNotificationsResponse.newBuilder()
                .setUnread(data.unreadCount(r.getUserId()));
            for (int i = 0; i < limit && i < all.size(); i++) {
              DemoData.Notification n = all.get(i);
              b.addItems(Notification.newBuilder().setId(n.id())
                  .setKind(Notification.Kind.valueOf(n.kind().toUpperCase(java.util.Locale.ROOT)))
                  .setActorId(n.actorId()).setText(n.text()).setRead(n.read())
                  .setCreatedAt(Timestamp.newBuilder().setSeconds(n.createdAt().getEpochSecond())
                      .setNanos(n.createdAt().getNano())));
            }
            req.response().end(b.build());
          }));
      server.callHandler(method(svc, "MarkRead", MarkReadRequest.getDefaultInstance()),
          (GrpcServerRequest<MarkReadRequest, GetCountResponse> req) -> req.handler(r -> {
            if (data.notifications(r.getUserId()) == null) {
              req.response().status(GrpcStatus.NOT_FOUND).statusMessage("user " + r.getUserId()).end();
              return;
            }
            int left = Math.max(0, data.unreadCount(r.getUserId()) - r.getIdsCount());
            req.response().end(GetCountResponse.newBuilder().setCount(left).build());
          }));
    });
  }

  private static final String HEALTH_PREFIX = "/" + GrpcHealthProto.SERVICE + "/";

  /**
   * The standard health service ({@code grpc.health.v1.Health/Check}, gRPC doc/health-checking.md),
   * as a BFF's {@code healthCheck} of a gRPC service asks it: SERVING for the server as a whole
   * ({@code ""}) and for each service it registered, SERVICE_UNKNOWN for any other name.
   */
  private static void health(GrpcServer grpc, String served) {
    grpc.callHandler(ServiceMethod.server(ServiceName.create(GrpcHealthProto.SERVICE), "Check",
        GrpcMessageEncoder.IDENTITY, GrpcMessageDecoder.IDENTITY), (GrpcServerRequest<Buffer, Buffer> req) -> req.handler(b -> {
          GrpcHealthProto.ServingStatus status;
          try {
            String name = GrpcHealthProto.service(b);
            status = name.isEmpty() || name.equals(served) ? GrpcHealthProto.ServingStatus.SERVING : GrpcHealthProto.ServingStatus.SERVICE_UNKNOWN;
          } catch (InvalidProtocolBufferException e) {
            req.response().status(GrpcStatus.INVALID_ARGUMENT).end();
            return;
          }
          req.response().end(GrpcHealthProto.response(status));
        }));
  }

  /** Listens on host:port (0 = ephemeral), h2c, with {@code instances} verticles; completes with the port. */
  public Future<Integer> start(Vertx vertx, String host, int port, int instances) {
    this.vertx = vertx;
    AtomicInteger bound = new AtomicInteger(port);
    HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port).setTcpNoDelay(true)
        .setHttp2ClearTextEnabled(true);
    return vertx.deployVerticle(() -> new VerticleBase() {
          @Override
          public Future<?> start() {
            GrpcServer grpc = GrpcServer.server(vertx);
            routes.accept(grpc);
            health(grpc, grpcService);
            return vertx.createHttpServer(options).requestHandler(req -> {
              String path = req.path();
              if (path.startsWith(HEALTH_PREFIX)) { // the BFF's health checks are not calls of the demo's API
                grpc.handle(req);
                return;
              }
              if (STATS.equals(path)) { // plain HTTP beside gRPC, like the REST services' /_stats
                req.response().putHeader("content-type", "application/json").end(stats().toBuffer());
                return;
              }
              calls.incrementAndGet();
              callsByMethod.computeIfAbsent(path.substring(path.lastIndexOf('/') + 1), m -> new AtomicInteger())
                  .incrementAndGet();
              grpc.handle(req);
            }).listen().onSuccess(s -> bound.set(s.actualPort()));
          }
        }, new DeploymentOptions().setInstances(Math.max(1, instances)))
        .map(id -> {
          synchronized (deployments) {
            deployments.add(id);
          }
          this.port = bound.get();
          return bound.get();
        });
  }

  public Future<Void> close() {
    List<Future<Void>> all = new ArrayList<>();
    synchronized (deployments) {
      for (String id : deployments) all.add(vertx.undeploy(id));
      deployments.clear();
    }
    return Future.all(all).mapEmpty();
  }
}
