package dev.bffkit.loadtests.demo;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The six demo services, started together on 127.0.0.1. With base port B: users B, posts B+1,
 * recommendations B+2, notifications B+3, ads B+4, analytics B+5; base port 0 makes every port
 * ephemeral.
 */
public final class DemoServices {
  public static final String HOST = "127.0.0.1";
  public static final int DEFAULT_BASE_PORT = 9101;
  /** The second posts replica ("posts-2") listens on base port + 11 (9112 by default). */
  public static final String POSTS_REPLICA = "posts-2";
  public static final int POSTS_REPLICA_OFFSET = 11;
  /** The posts canary ("posts-v2", labelled version=v2 in the iOS bundle) on base port + 21 (9122). */
  public static final String POSTS_V2 = "posts-v2";
  public static final int POSTS_V2_OFFSET = 21;
  /** The shadow that gets a copy of every iOS home (traffic.mirrors) on base port + 22 (9123). */
  public static final String SHADOW = "shadow";
  public static final int SHADOW_OFFSET = 22;
  /** Service names in port order. */
  public static final List<String> NAMES =
      List.of("users", "posts", "recommendations", "notifications", "ads", "analytics");
  /** The environment variable each bff.yaml reads the service's address from. */
  public static final Map<String, String> ENV_VARS = Map.of(
      "users", "USERS_URL",
      "posts", "POSTS_URL",
      "recommendations", "RECS_URL",
      "notifications", "NOTIFICATIONS_URL",
      "ads", "ADS_URL",
      "analytics", "ANALYTICS_URL");

  /** The gRPC twins of recommendations and notifications (vertx-grpc-server), at base + 102 and + 103 (9203, 9204). */
  public static final List<String> GRPC_NAMES = List.of("recommendations-grpc", "notifications-grpc");
  public static final Map<String, Integer> GRPC_OFFSETS = Map.of("recommendations-grpc", 102, "notifications-grpc", 103);
  public static final Map<String, String> GRPC_ENV_VARS = Map.of(
      "recommendations-grpc", "RECS_GRPC_URL",
      "notifications-grpc", "NOTIFICATIONS_GRPC_URL");

  private final Map<String, DemoService> services;
  private final Map<String, GrpcDemoServer> grpc;

  private DemoServices(Map<String, DemoService> services, Map<String, GrpcDemoServer> grpc) {
    this.services = services;
    this.grpc = grpc;
  }

  public static Future<DemoServices> start(Vertx vertx, int basePort) {
    return start(vertx, basePort, 1);
  }

  /** Starts all six; {@code instances} event-loop verticles per service (1 is plenty for tests). */
  public static Future<DemoServices> start(Vertx vertx, int basePort, int instances) {
    DemoData data = DemoData.get();
    Map<String, DemoService> all = new LinkedHashMap<>();
    all.put("users", new UsersService(data));
    all.put("posts", new PostsService(data));
    all.put("recommendations", new RecommendationsService(data));
    all.put("notifications", new NotificationsService(data));
    all.put("ads", new AdsService(data));
    all.put("analytics", new AnalyticsService(data));
    DemoService replica = new PostsService(data);
    all.put(POSTS_REPLICA, replica);
    DemoService v2 = new PostsService(data);
    all.put(POSTS_V2, v2);
    DemoService shadow = new ShadowService();
    all.put(SHADOW, shadow);
    Map<String, GrpcDemoServer> grpc = new LinkedHashMap<>();
    grpc.put("recommendations-grpc", GrpcDemoServer.recommendations(data));
    grpc.put("notifications-grpc", GrpcDemoServer.notifications(data));
    DemoServices ds = new DemoServices(all, grpc);
    List<Future<Integer>> started = new ArrayList<>();
    int offset = 0;
    for (String name : NAMES) {
      started.add(all.get(name).start(vertx, HOST, basePort == 0 ? 0 : basePort + offset, instances));
      offset++;
    }
    started.add(replica.start(vertx, HOST, basePort == 0 ? 0 : basePort + POSTS_REPLICA_OFFSET, instances));
    started.add(v2.start(vertx, HOST, basePort == 0 ? 0 : basePort + POSTS_V2_OFFSET, instances));
    started.add(shadow.start(vertx, HOST, basePort == 0 ? 0 : basePort + SHADOW_OFFSET, instances));
    for (String name : GRPC_NAMES) {
      started.add(grpc.get(name).start(vertx, HOST, basePort == 0 ? 0 : basePort + GRPC_OFFSETS.get(name), instances));
    }
    return Future.join(started).transform(ar -> {
      if (ar.succeeded()) {
        return Future.succeededFuture(ds);
      }
      // do not leave half of them listening
      return ds.close().transform(ignored -> Future.failedFuture(ar.cause()));
    });
  }

  /** The bound port of a service ("users", "posts", "recommendations", "notifications", "ads", "analytics"). */
  public int port(String service) {
    GrpcDemoServer g = grpc.get(service);
    if (g != null) {
      return g.port();
    }
    DemoService s = services.get(service);
    if (s == null) {
      throw new IllegalArgumentException("no demo service " + service + "; one of " + NAMES);
    }
    return s.port();
  }

  /** {@code http://127.0.0.1:<port>} of a service. */
  public String url(String service) {
    return "http://" + HOST + ":" + port(service);
  }

  /**
   * USERS_URL, POSTS_URL, RECS_URL, NOTIFICATIONS_URL, ADS_URL, ANALYTICS_URL → this instance's
   * addresses; POSTS_URL lists both posts replicas, comma-separated.
   */
  public Map<String, String> envUrls() {
    Map<String, String> env = new LinkedHashMap<>();
    for (String n : NAMES) {
      env.put(ENV_VARS.get(n), url(n));
    }
    env.put(ENV_VARS.get("posts"), url("posts") + "," + url(POSTS_REPLICA));
    env.put("POSTS_V2_URL", url(POSTS_V2));
    env.put("SHADOW_URL", url(SHADOW));
    for (String n : GRPC_NAMES) {
      env.put(GRPC_ENV_VARS.get(n), url(n));
    }
    return env;
  }

  public DemoService service(String name) {
    DemoService s = services.get(name);
    if (s == null) {
      throw new IllegalArgumentException("no demo service " + name);
    }
    return s;
  }

  /** A gRPC demo server ("recommendations-grpc", "notifications-grpc"). */
  public GrpcDemoServer grpc(String name) {
    GrpcDemoServer g = grpc.get(name);
    if (g == null) {
      throw new IllegalArgumentException("no gRPC demo service " + name + "; one of " + GRPC_NAMES);
    }
    return g;
  }

  public Future<Void> close() {
    List<Future<Void>> all = new ArrayList<>();
    for (DemoService s : services.values()) {
      all.add(s.close());
    }
    for (GrpcDemoServer g : grpc.values()) {
      all.add(g.close());
    }
    return Future.join(all).mapEmpty();
  }
}
