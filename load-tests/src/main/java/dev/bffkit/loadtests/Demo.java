package dev.bffkit.loadtests;

import dev.bffkit.core.Bff;
import dev.bffkit.core.Logs;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClasspathBundles;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.observe.Observers;
import dev.bffkit.core.server.NettyDefaults;
import dev.bffkit.loadtests.demo.DemoRedis;
import dev.bffkit.loadtests.demo.DemoServices;
import dev.bffkit.loadtests.demo.DevIdp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code java -jar bff-demo.jar}: the six demo services on 127.0.0.1:9101-9106 (posts with a second
 * replica on 9112), the dev identity provider on 127.0.0.1:9000 (env IDP_PORT; ephemeral when
 * the services are) and the four BFFs (iOS 8081, Android 8082, web 8083, TV 8084) in one
 * process, then a curl tour. The BFFs trust the dev IdP unless {@code BFF_JWT_ISSUER} (and
 * optionally {@code BFF_JWKS_URL}, {@code BFF_JWT_AUDIENCE}) name another one. The BFFs share their rate
 * limits through a {@code redis-server} the demo starts on 127.0.0.1 (env REDIS_PORT, default 6379; see
 * {@link DemoRedis}) unless {@code BFF_REDIS_URL} names one; without the binary each BFF limits locally.
 *
 * <pre>
 * --services-base-port N   (env SERVICES_BASE_PORT, default 9101; 0 = ephemeral)
 * --ios-port N             (env IOS_PORT, default 8081)       --android-port N (ANDROID_PORT, 8082)
 * --web-port N             (env WEB_PORT, default 8083)       --tv-port N      (TV_PORT, 8084)
 * --service-instances N    event loops per demo service (env SERVICE_INSTANCES, default 1)
 * --services-only          start only the six services
 * </pre>
 */
public final class Demo {
  static final List<String> CLIENTS = List.of("ios", "android", "web", "tv");
  static final Map<String, Integer> DEFAULT_PORTS = Map.of("ios", 8081, "android", 8082, "web", 8083, "tv", 8084);
  static final Map<String, String> SCREENS = Map.of("ios", "home", "android", "home", "web", "dashboard", "tv", "home");

  private Demo() {}

  /** Parsed command line. */
  public record Options(int servicesBasePort, Map<String, Integer> bffPorts, int serviceInstances, boolean servicesOnly) {}

  public static void main(String[] args) {
    NettyDefaults.apply(); // the BFF launcher's Netty settings, before anything loads Netty
    Logs.configure(); // one-line key=value records, as the BFF launcher writes them
    Options o;
    try {
      o = parse(args, System::getenv);
    } catch (IllegalArgumentException e) {
      System.err.println("bff-demo: " + e.getMessage());
      System.err.println(usage());
      System.exit(2);
      return;
    }
    if (o == null) {
      System.out.println(usage());
      return;
    }
    // As the launcher does: Vert.x's pool and client meters join the process's scrape.
    Vertx vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(Observers.vertxMetricsOptions()))
        .withMetrics(Observers.vertxMetricsFactory()).build();
    CompletableFuture<Running> started = start(vertx, o).toCompletionStage().toCompletableFuture();
    Running running;
    try {
      running = started.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      System.err.println("bff-demo: failed to start: " + cause);
      vertx.close();
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        // One after the other from this thread: a continuation on an event loop would be handed to
        // a loop that vertx.close() stops.
        running.close().await(10, TimeUnit.SECONDS);
        vertx.close().await(5, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
    }, "bff-demo-shutdown"));
    if (running.redis() != null && !running.redis().available()) {
      System.out.println(running.redis().notice());
    }
    System.out.println(tour(running));
  }

  /** Everything the demo started. */
  public record Running(DemoServices services, Map<String, Bff.RunningBff> bffs, DevIdp idp, DemoRedis redis) {
    public Future<Void> close() {
      List<Future<Void>> all = new ArrayList<>();
      bffs.values().forEach(b -> all.add(b.close()));
      return Future.join(all).transform(x -> services.close())
          .transform(x -> idp == null ? Future.succeededFuture() : idp.close())
          .transform(x -> stopRedis(redis));
    }

    public int bffPort(String client) {
      Bff.RunningBff b = bffs.get(client);
      return b == null ? -1 : b.port();
    }

    /** The client's admin listener (health, upstreams, route table), or -1. */
    public int adminPort(String client) {
      Bff.RunningBff b = bffs.get(client);
      return b == null ? -1 : b.adminPort();
    }
  }

  /** Starts the services, then the BFFs pointed at them. */
  public static Future<Running> start(Vertx vertx, Options o) {
    return DemoServices.start(vertx, o.servicesBasePort(), o.serviceInstances()).compose(services -> {
      if (o.servicesOnly()) {
        return Future.succeededFuture(new Running(services, Map.of(), null, null));
      }
      int idpPort = o.servicesBasePort() == 0 ? 0 : intEnv(System::getenv, "IDP_PORT", DevIdp.DEFAULT_PORT);
      // Starting redis-server blocks (process start, PING): on a worker, never on an event loop.
      return vertx.executeBlocking(() -> DemoRedis.start(System::getenv))
          .recover(e -> services.close().transform(x -> Future.failedFuture(e)))
          .compose(redis -> DevIdp.start(vertx, idpPort)
              .recover(e -> services.close().transform(x -> stopRedis(redis)).transform(x -> Future.failedFuture(
                  new IllegalStateException("dev identity provider on port " + idpPort + ": " + e.getMessage(), e))))
              .compose(idp -> startBffs(vertx, o, services, idp, redis)));
    });
  }

  /** Stops the demo's redis-server without blocking the calling event loop. */
  private static Future<Void> stopRedis(DemoRedis redis) {
    return redis == null ? Future.succeededFuture() : Future.fromCompletionStage(redis.stop());
  }

  private static Future<Running> startBffs(Vertx vertx, Options o, DemoServices services, DevIdp idp, DemoRedis redis) {
    {
      Map<String, String> urls = new LinkedHashMap<>(services.envUrls());
      // The BFFs trust the dev IdP unless the environment names another issuer.
      String realIssuer = System.getenv("BFF_JWT_ISSUER");
      if (realIssuer == null || realIssuer.isBlank()) urls.put("BFF_JWT_ISSUER", idp.issuer());
      // Every BFF shares one Redis for its rate limits; none: each its own local limiter (empty URL).
      if (redis.available()) urls.put("BFF_REDIS_URL", redis.url());
      Function<String, String> env = name -> urls.containsKey(name) ? urls.get(name) : System.getenv(name);
      Map<String, Bff.RunningBff> bffs = new LinkedHashMap<>();
      Future<Void> chain = Future.succeededFuture();
      for (String client : CLIENTS) {
        chain = chain.compose(v -> startBff(vertx, client, o.bffPorts().get(client), env)
            .map(b -> {
              bffs.put(client, b);
              return null;
            }));
      }
      return chain.transform(ar -> {
        Running r = new Running(services, bffs, idp, redis);
        if (ar.succeeded()) {
          return Future.succeededFuture(r);
        }
        return r.close().transform(x -> Future.failedFuture(ar.cause()));
      });
    }
  }

  private static Future<Bff.RunningBff> startBff(Vertx vertx, String client, int port, Function<String, String> env) {
    try {
      // From a clone's root the BFFs serve their source folders and watch them: an edited screen is live at once.
      Path source = sourceFolder(client);
      Bff.Watch watch = source == null ? null
          : new Bff.Watch(source, dir -> BundleLoader.load(dir, env).withPort(port));
      ClientBundle bundle = watch != null ? watch.load().apply(source) : ClasspathBundles.load(client, env).withPort(port);
      return Bff.start(vertx, bundle, null, watch)
          .recover(e -> Future.failedFuture(new IllegalStateException("BFF " + client + ": " + e.getMessage(), e)));
    } catch (RuntimeException e) {
      return Future.failedFuture(new IllegalStateException("BFF " + client + ": " + e.getMessage(), e));
    }
  }

  /** The client's folder in this clone ({@code bff-ios/src/main/resources/bff/ios}), or null when not run from one. */
  static Path sourceFolder(String client) {
    Path dir = Path.of("bff-" + client, "src", "main", "resources", "bff", client);
    return Files.isRegularFile(dir.resolve("bff.yaml")) ? dir : null;
  }

  static Options parse(String[] args, Function<String, String> env) {
    int base = intEnv(env, "SERVICES_BASE_PORT", DemoServices.DEFAULT_BASE_PORT);
    int instances = intEnv(env, "SERVICE_INSTANCES", 1);
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (String c : CLIENTS) {
      ports.put(c, intEnv(env, c.toUpperCase() + "_PORT", DEFAULT_PORTS.get(c)));
    }
    boolean servicesOnly = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        value = a.substring(eq + 1);
        a = a.substring(0, eq);
      }
      switch (a) {
        case "-h", "--help" -> {
          return null;
        }
        case "--services-only" -> servicesOnly = true;
        case "--services-base-port" -> base = port(a, value != null ? value : next(args, ++i, a));
        case "--service-instances" -> instances = positive(a, value != null ? value : next(args, ++i, a));
        case "--ios-port", "--android-port", "--web-port", "--tv-port" -> {
          String client = a.substring(2, a.length() - "-port".length());
          ports.put(client, port(a, value != null ? value : next(args, ++i, a)));
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    return new Options(base, Map.copyOf(ports), instances, servicesOnly);
  }

  private static String next(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  private static int intEnv(Function<String, String> env, String name, int def) {
    String v = env.apply(name);
    return v == null || v.isBlank() ? def : port(name, v);
  }

  private static int port(String what, String v) {
    try {
      int p = Integer.parseInt(v.trim());
      if (p < 0 || p > 65535 - DemoServices.POSTS_REPLICA_OFFSET) {
        throw new IllegalArgumentException(what + ": port out of range: " + v);
      }
      return p;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + ": not a number: " + v);
    }
  }

  private static int positive(String what, String v) {
    int n = port(what, v);
    if (n < 1) {
      throw new IllegalArgumentException(what + " must be >= 1");
    }
    return n;
  }

  static String usage() {
    return """
        usage: java -jar bff-demo.jar [options]
          --services-base-port N  users N, posts N+1, recommendations N+2, notifications N+3, ads N+4,
                                  analytics N+5, a second posts replica N+11
                                  (env SERVICES_BASE_PORT, default 9101; 0 = ephemeral)
          --ios-port N            (env IOS_PORT, default 8081)
          --android-port N        (env ANDROID_PORT, default 8082)
          --web-port N            (env WEB_PORT, default 8083)
          --tv-port N             (env TV_PORT, default 8084)
          --service-instances N   event loops per demo service (env SERVICE_INSTANCES, default 1)
          --services-only         start only the six demo services
          env REDIS_PORT          the demo's redis-server for shared rate limits (default 6379; an ephemeral
                                  port when another program holds it; reused when a Redis answers there)
          env BFF_REDIS_URL       use this Redis instead, start none""";
  }

  /** The demo's API keys (X-API-Key) and their tiers' limits, as the client bundles' bff.yaml sets them. */
  static final String FREE_KEY = "demo-free-key";
  static final String PRO_KEY = "demo-pro-key";
  static final String RATE_LIMIT_TOUR = """

      # Rate limits (X-API-Key): the free tier allows 100 requests a minute (burst 20) and 10 000 a month;
      # the pro tier 10 000 a minute. Hammer with the free key: 429 with Retry-After and RateLimit headers,
      # while the pro key keeps working.
      # %s
        for i in $(seq 30); do curl -s -o /dev/null -w '%%{http_code} ' -H 'X-API-Key: %s' %s; done; echo
        curl -si -H 'X-API-Key: %s' %s | grep -i -E '^(HTTP|retry-after|ratelimit)'
        curl -s -o /dev/null -w '%%{http_code}\\n' -H 'X-API-Key: %s' %s
      """;

  /** The tour's rate-limit section, for the iOS BFF's /api/posts/p1. */
  static String rateLimitTour(int iosPort, DemoRedis redis) {
    String shared = redis != null && redis.available()
        ? "Limits are shared through Redis (" + redis.url() + ") by every instance."
        : "No Redis: each BFF instance counts on its own (local limiter).";
    String posts = "http://127.0.0.1:" + iosPort + "/api/posts/p1";
    return String.format(RATE_LIMIT_TOUR, shared, FREE_KEY, posts, FREE_KEY, posts, PRO_KEY, posts);
  }

  /** The curl tour printed at start-up. */
  static String tour(Running r) {
    DemoServices s = r.services();
    StringBuilder b = new StringBuilder();
    b.append("BFF Kit demo is up.\n\nDemo services (seeded data: users u1..u50, posts p1..p1000):\n");
    for (String n : DemoServices.NAMES) {
      b.append(String.format("  %-16s %s   (%s)%n", n, s.url(n), DemoServices.ENV_VARS.get(n)));
    }
    b.append(String.format("  %-16s %s   (second posts replica, also in POSTS_URL)%n", DemoServices.POSTS_REPLICA,
        s.url(DemoServices.POSTS_REPLICA)));
    for (String n : DemoServices.GRPC_NAMES) {
      b.append(String.format("  %-20s %s   (gRPC, %s)%n", n, s.url(n), DemoServices.GRPC_ENV_VARS.get(n)));
    }
    if (!r.bffs().isEmpty()) {
      b.append("\nBFFs:\n");
      for (String c : CLIENTS) {
        b.append(String.format("  %-8s http://127.0.0.1:%d   admin http://127.0.0.1:%d%n", c, r.bffPort(c), r.adminPort(c)));
      }
      String ios = "http://127.0.0.1:" + r.bffPort("ios");
      String web = "http://127.0.0.1:" + r.bffPort("web");
      String auth = "-H \"authorization: Bearer $TOKEN\" ";
      if (r.idp() != null) {
        b.append("\nAuth: the BFFs want a bearer JWT. Get one from the dev identity provider (the user is its sub):\n");
        b.append("  TOKEN=$(curl -s '" + r.idp().issuer() + "/token?sub=u1&scope=read' | jq -r .access_token)\n");
        b.append("  curl -si http://127.0.0.1:" + r.bffPort("ios") + "/v1/screens/home | head -4   # without it: 401\n");
      }
      b.append("\nOne call per screen (each fans out to the services; authors come in one batched users call):\n");
      for (String c : CLIENTS) {
        b.append(String.format("  curl -s %shttp://127.0.0.1:%d/v1/screens/%s%n", auth, r.bffPort(c), SCREENS.get(c)));
      }
      b.append(String.format("  curl -s %s'http://127.0.0.1:%d/v1/screens/home?page=1'        # TV, next rows%n",
          auth, r.bffPort("tv")));
      b.append("\nAd-hoc GraphQL:\n");
      b.append("  curl -s " + auth + "-H 'content-type: application/json' -d '{\"query\":\"{ user(id: \\\"u2\\\") { name handle }"
          + " ads(limit: 1) { headline } }\"}' " + web + "/graphql\n");
      b.append("\ngRPC (the screens' recommendations and unread counts are @grpc fields):\n");
      b.append("  curl -s " + auth + "'" + web + "/rest/v1/users/u1/recommendations?limit=3'   # REST transcoded to gRPC\n");
      b.append("  curl -s " + auth + web + "/rest/v1/users/u1/notifications:unreadCount\n");
      b.append("  curl -s " + auth + "-H 'accept: application/x-ndjson' '" + web
          + "/rest/v1/users/u1/recommendations:stream?limit=3'   # server streaming as NDJSON\n");
      b.append("  printf '\\x00\\x00\\x00\\x00\\x04\\x0a\\x02u1' | curl -s " + auth + "--data-binary @- -H 'content-type:"
          + " application/grpc-web+proto' " + web + "/notify.v1.Notifications/GetCount | od -c   # gRPC-Web\n");
      b.append("\nPlain proxy route (/api/posts -> posts service, streamed):\n");
      b.append("  curl -s " + auth + ios + "/api/posts/p1\n");
      b.append("  curl -s " + auth + "-X POST -H 'content-type: application/json' -d '{\"authorId\":\"u1\",\"text\":\"hello\"}' "
          + ios + "/api/posts\n");
      b.append("\nChaos (then call a screen again):\n");
      b.append("  curl -s -X PUT -d '{\"latencyMs\":500}' " + s.url("notifications")
          + "/_chaos   # web's notifications list (REST) times out -> fallback []\n");
      b.append("  curl -s -X PUT -d '{\"errorRate\":1}' " + s.url("ads")
          + "/_chaos      # ads fail -> partial response with errors\n");
      b.append("  curl -s " + s.url("ads") + "/_chaos\n");
      b.append("  curl -s -X DELETE " + s.url("notifications") + "/_chaos; curl -s -X DELETE " + s.url("ads")
          + "/_chaos\n");
      b.append("\nResilience (iOS; posts has two replicas):\n");
      b.append("  curl -s -X PUT -d '{\"errorRate\":1}' " + s.url(DemoServices.POSTS_REPLICA)
          + "/_chaos   # fail one posts replica: home keeps answering, no errors\n");
      b.append("  curl -s " + auth + ios + "/v1/screens/home\n");
      b.append("  curl -s -X PUT -d '{\"errorRate\":1}' " + s.url("posts")
          + "/_chaos   # now the whole posts service: breaker opens,\n");
      b.append("  curl -si " + auth + ios + "/v1/screens/home               # home answers at once, partial (\"breaker open\")\n");
      b.append("  curl -s http://127.0.0.1:" + r.adminPort("ios") + "/upstreamz   # admin listener: breakers, endpoints, ejections\n");
      b.append("  curl -s 'http://127.0.0.1:" + r.adminPort("ios") + "/routes?format=text'   # the route table, one line per route\n");
      b.append("  curl -s -X DELETE " + s.url("posts") + "/_chaos; curl -s -X DELETE "
          + s.url(DemoServices.POSTS_REPLICA) + "/_chaos   # breaker half-opens, then closes\n");
      b.append("\nRequest counts (batching shows here):\n");
      b.append("  curl -s " + s.url("users") + "/_stats\n");
      b.append(rateLimitTour(r.bffPort("ios"), r.redis()));
      b.append("\nCanary and shadow: posts-v2 (" + s.url(DemoServices.POSTS_V2) + ") takes 5 % of users and everyone"
          + " sending X-Beta: 1;\nthe shadow (" + s.url(DemoServices.SHADOW) + ") gets a copy of every iOS home.\n");
      b.append("  curl -s -o /dev/null -H 'X-Beta: 1' " + auth + ios + "/v1/screens/home; curl -s "
          + s.url(DemoServices.POSTS_V2) + "/_stats\n");
      b.append("  curl -s " + s.url(DemoServices.SHADOW) + "/_stats   # one copy per home call\n");
      b.append("  curl -s http://127.0.0.1:" + r.adminPort("ios") + "/canaries   # share, rollback state; PUT /canaries/posts"
          + " -d '{\"share\": 0.5}' changes it live\n");
      Path home = sourceFolder("ios");
      if (home != null) {
        b.append("\nLive change: the BFFs serve their folders and watch them. Edit " + home.resolve("screens/home.graphql")
            + "\n(e.g. drop a field): the iOS home answers the new shape within a second, no restart. History:\n");
        b.append("  curl -s http://127.0.0.1:" + r.adminPort("ios") + "/config/reloads\n");
      }
    } else {
      b.append("\nServices only. Try:\n");
      b.append("  curl -s " + s.url("users") + "/users/u1\n");
      b.append("  curl -s '" + s.url("users") + "/users?ids=u1,u2,u3'\n");
      b.append("  curl -s '" + s.url("posts") + "/users/u1/feed?limit=5'\n");
      b.append("  curl -s -X PUT -d '{\"latencyMs\":200,\"errorRate\":0.1}' " + s.url("posts") + "/_chaos\n");
      b.append("  curl -s " + s.url("posts") + "/_stats\n");
    }
    b.append("\nCtrl-C to stop.");
    return b.toString();
  }
}
