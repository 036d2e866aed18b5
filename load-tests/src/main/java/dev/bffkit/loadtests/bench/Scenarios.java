package dev.bffkit.loadtests.bench;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.ClasspathBundles;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.ServerConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.config.SourceFile;
import dev.bffkit.loadtests.demo.DemoServices;
import dev.bffkit.loadtests.demo.DevIdp;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The wiring between the harness and the system under test: the demo services, the iOS BFF, the
 * paths and headers of each scenario. Everything that depends on other modules' classes and
 * bundles lives here, so it is the one class to adjust when they change.
 */
public final class Scenarios {
  private Scenarios() {}

  /** Demo service names; the demo bundles read their addresses from these variables. */
  public static final List<String> SERVICES = List.of("users", "posts", "recommendations", "notifications", "ads", "analytics");
  static final Map<String, String> ENV_VARS = Map.of("users", "USERS_URL", "posts", "POSTS_URL",
      "recommendations", "RECS_URL", "notifications", "NOTIFICATIONS_URL", "ads", "ADS_URL", "analytics", "ANALYTICS_URL");

  /** Pass-through: one post, direct on posts; via nginx and the BFF through the /api proxy route. */
  public static final String DIRECT_PATH = "/posts/p1";
  public static final String PROXY_PATH = "/api/posts/p1";
  /** The iOS home screen (BFF and hand-written fan-out). */
  public static final String HOME_PATH = "/v1/screens/home";

  /** The six demo services as the harness sees them. */
  public interface Backends {
    int port(String service);

    String kind();

    Future<Void> close();

    /** The six REST services and, where these backends run them, the gRPC twins. */
    default Map<String, Integer> ports() {
      Map<String, Integer> m = new LinkedHashMap<>();
      for (String s : SERVICES) m.put(s, port(s));
      for (String g : DemoServices.GRPC_NAMES) {
        try {
          m.put(g, port(g));
        } catch (RuntimeException none) {
          // backends without gRPC twins: the hand-written fan-out then reports those fields missing
        }
      }
      return m;
    }

    /** The second posts replica, or -1 when there is none. */
    default int postsReplicaPort() {
      return -1;
    }

    /** USERS_URL, POSTS_URL, ... → http://127.0.0.1:port */
    default Map<String, String> env() {
      Map<String, String> m = new LinkedHashMap<>();
      for (String s : SERVICES) m.put(ENV_VARS.get(s), "http://127.0.0.1:" + port(s));
      return m;
    }
  }

  /** A started system under test. */
  public record Target(int port, Supplier<Future<Void>> close) {}

  /** The backend calls of the iOS home, for finding the slowest one (service, path). */
  public static List<String[]> homeBackendCalls(String user) {
    return List.of(
        new String[] {"users", "/users/" + user},
        new String[] {"posts", "/users/" + user + "/feed?limit=10"},
        new String[] {"users", "/users?ids=u1,u2,u3,u4,u5"},
        new String[] {"recommendations", "/recommendations?user=" + user + "&limit=5"},
        new String[] {"notifications", "/users/" + user + "/notifications/unread-count"},
        new String[] {"ads", "/ads?placement=feed&user=" + user + "&limit=1"},
        new String[] {"analytics", "/users/" + user + "/summary?days=7"});
  }

  /**
   * The upstream calls of one iOS home answer (the BFF's and {@link HandWrittenFanout}'s), by demo
   * service and its {@code /_stats} route: recommendations and the unread count on the gRPC twins,
   * the rest over REST, the feed's authors in one batched users call; once each.
   */
  public static final Map<String, List<String>> HOME_CALLS = Map.of(
      "users", List.of("GET /users/{id}", "GET /users?ids"),
      "posts", List.of("GET /users/{id}/feed"),
      "recommendations-grpc", List.of("POST /recs.v1.Recommendations/GetRecommendations"),
      "notifications-grpc", List.of("POST /notify.v1.Notifications/GetCount"),
      "ads", List.of("GET /ads"),
      "analytics", List.of("GET /users/{id}/summary"));

  // ---------------------------------------------------------------- wiring

  /** The demo services on ephemeral ports. */
  public static Future<Backends> startBackends(Vertx vertx) {
    return DemoServices.start(vertx, 0).map(ds -> new Backends() {
      @Override
      public int port(String s) {
        return ds.port(s);
      }

      @Override
      public String kind() {
        return "demo services (posts: two replicas)";
      }

      @Override
      public int postsReplicaPort() {
        return ds.port(DemoServices.POSTS_REPLICA);
      }

      @Override
      public Map<String, String> env() {
        return ds.envUrls();
      }

      @Override
      public Future<Void> close() {
        return ds.close();
      }
    });
  }

  /** The iOS BFF pointed at the backends, on an ephemeral port. */
  public static Future<Target> startIosBff(Vertx vertx, Backends backends) {
    return startIosBff(vertx, backends, Map.of());
  }

  /** The iOS BFF with extra environment (e.g. POSTS_HEDGE=true). */
  public static Future<Target> startIosBff(Vertx vertx, Backends backends, Map<String, String> extraEnv) {
    return devIdp(vertx).compose(idp -> {
      ClientBundle bundle;
      try {
        Map<String, String> env = new LinkedHashMap<>(backends.env());
        env.put("BFF_JWT_ISSUER", idp.issuer()); // the BFF trusts the in-process dev identity provider
        env.put("BFF_JWKS_URL", "");
        env.putAll(DEMO_EXTRAS_OFF);
        env.putAll(extraEnv);
        bundle = ClasspathBundles.load("ios", name -> env.containsKey(name) ? env.get(name) : System.getenv(name)).withPort(0);
        if ("off".equals(System.getenv("BENCH_AUTH"))) { // baseline for the auth stage's cost
          bundle = new ClientBundle(bundle.config().withAuth(dev.bffkit.core.config.AuthConfig.off()), bundle.schema(),
              bundle.screens());
        }
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
      return Bff.start(vertx, bundle).map(bff -> new Target(bff.port(), bff::close));
    });
  }

  private static volatile DevIdp idp;
  private static volatile Vertx idpVertx;
  private static volatile MultiMap authHeaders;

  /**
   * The dev identity provider the benchmarked BFFs trust: one per Vert.x instance, in-process on an
   * ephemeral loopback port. Its token (sub u1, scope read, valid 24 h) is what {@link #bffHeaders()}
   * sends.
   */
  static synchronized Future<DevIdp> devIdp(Vertx vertx) {
    if (idp != null && idpVertx == vertx) return Future.succeededFuture(idp);
    // No lock in here: this runs on an event loop while devIdpForProcesses() may hold the
    // class lock awaiting it (that deadlock once hung the quick run).
    return DevIdp.start(vertx, 0).map(started -> {
      authHeaders = MultiMap.caseInsensitiveMultiMap()
          .add("authorization", "Bearer " + started.mint(BENCH_USER, "read", DevIdp.AUDIENCE, 86_400));
      idpVertx = vertx;
      idp = started;
      return started;
    });
  }

  /** Headers every BFF request carries: the dev IdP's bearer token (null before a BFF was started). */
  public static MultiMap bffHeaders() {
    return authHeaders;
  }

  /**
   * A BFF serving a generated screen whose {@code width} root fields each call a different
   * service ({@code s1..sN}, each its own pool, all addressed at the users demo service), so the
   * gateway's cost per upstream call can be compared across widths.
   */
  public static Optional<Future<Target>> startFanoutBff(Vertx vertx, Backends backends, int width) {
    Map<String, ServiceConfig> services = new LinkedHashMap<>();
    StringBuilder schema = new StringBuilder("type User { id: ID! name: String handle: String }\ntype Query {\n");
    StringBuilder screen = new StringBuilder("query Fanout {\n");
    for (int i = 1; i <= width; i++) {
      String name = "s" + i;
      services.put(name, new ServiceConfig(name, List.of(URI.create("http://127.0.0.1:" + backends.port("users"))),
          Duration.ofSeconds(1), 64, Duration.ofSeconds(60), Duration.ofSeconds(5)));
      schema.append("  f").append(i).append(": User @rest(service: \"").append(name)
          .append("\", path: \"/users/u").append(i).append("\")\n");
      screen.append("  f").append(i).append(" { id name handle }\n");
    }
    schema.append("}\n");
    screen.append("}\n");
    CompositionConfig composition = new CompositionConfig(Duration.ofSeconds(3), false, "/graphql", "/v1/screens", 100);
    ServerConfig server = new ServerConfig("127.0.0.1", 0, 0, Duration.ofSeconds(2), Duration.ofSeconds(60), 1 << 20, 8192);
    ClientBundle bundle = new ClientBundle(new BffConfig("fanout" + width, server, composition, services, List.of()),
        new SourceFile("fanout/schema.graphqls", schema.toString()),
        List.of(new SourceFile("fanout/screens/fanout" + width + ".graphql", screen.toString())));
    return Optional.of(Bff.start(vertx, bundle).map(bff -> new Target(bff.port(), bff::close)));
  }

  /**
   * Writes the same generated fan-out bundle as {@link #startFanoutBff} as a client folder
   * ({@code bff.yaml}, {@code schema.graphqls}, {@code screens/fanoutN.graphql}) for {@code java
   * -jar bff-core/target/bff.jar --config DIR --port N}; every service points at {@code usersUrl}.
   */
  public static Path writeFanoutBundle(Path parent, String usersUrl, int width) throws IOException {
    Path dir = parent.resolve("fanout" + width);
    Files.createDirectories(dir.resolve("screens"));
    StringBuilder yaml = new StringBuilder("name: fanout").append(width).append('\n')
        .append("server: { host: 127.0.0.1, port: 0, shutdownGrace: 1s }\n")
        .append("composition: { deadline: 3s, adhocGraphql: false }\n")
        // the demo bundles' observe switches, so the harness's env (observeEnv()) applies here too
        .append("observe:\n")
        .append("  metrics: { enabled: \"${BFF_METRICS:-true}\" }\n")
        .append("  tracing: { enabled: \"${BFF_TRACING:-true}\", sampling: \"${BFF_TRACE_SAMPLING:-1%}\","
            + " endpoint: \"${BFF_OTLP_ENDPOINT:-}\" }\n")
        .append("  accessLog: { enabled: \"${BFF_ACCESS_LOG:-true}\" }\n")
        .append("services:\n");
    StringBuilder schema = new StringBuilder("type User { id: ID! name: String handle: String }\ntype Query {\n");
    StringBuilder screen = new StringBuilder("query Fanout {\n");
    for (int i = 1; i <= width; i++) {
      yaml.append("  s").append(i).append(": { endpoints: [\"").append(usersUrl)
          .append("\"], connectTimeout: 1s, poolSize: 64, keepAlive: 60s, timeout: 5s }\n");
      schema.append("  f").append(i).append(": User @rest(service: \"s").append(i)
          .append("\", path: \"/users/u").append(i).append("\")\n");
      screen.append("  f").append(i).append(" { id name handle }\n");
    }
    schema.append("}\n");
    screen.append("}\n");
    Files.writeString(dir.resolve("bff.yaml"), yaml);
    Files.writeString(dir.resolve("schema.graphqls"), schema);
    Files.writeString(dir.resolve("screens").resolve("fanout" + width + ".graphql"), screen);
    return dir;
  }

  // ---------------------------------------------------------------- observe switches

  /**
   * The demo bundles' {@code observe:} switches (bff.yaml) with everything off: the baseline of
   * the "metrics + 1 % tracing" rows.
   */
  public static final Map<String, String> OBSERVE_OFF = Map.of("BFF_METRICS", "false", "BFF_TRACING", "false",
      "BFF_ACCESS_LOG", "false");

  // ---------------------------------------------------------------- rate-limit switches

  /**
   * Everything the demo iOS bundle does beside serving that the harness does not measure, off for every BFF the
   * harness starts unless its caller's env says otherwise: rate limits (the bench's token is one caller, tier
   * {@code users}, 100/s: nearly every request would be a 429, cheaper than a screen), the posts canary's share
   * (its endpoint is not started here) and the home's mirror to the shadow (which would double a screen's calls).
   */
  public static final Map<String, String> DEMO_EXTRAS_OFF = Map.of("BFF_RATE_LIMITS", "false",
      "BFF_CANARY_SHARE", "0%", "BFF_MIRROR_SHARE", "0%");

  /**
   * The users tier's rate (BFF_USER_RATE) of the "rate limits on" BFF: far above any load the harness makes,
   * so every request is decided and none refused (GCRA's interval is then 1 µs, its burst 200 µs of it).
   */
  static final String UNREACHED_USER_RATE = "10000000";

  /** Rate limits on, decided by the Redis at {@code redisUrl} for every request, none refused. */
  public static Map<String, String> rateLimitsOn(String redisUrl) {
    return Map.of("BFF_RATE_LIMITS", "true", "BFF_REDIS_URL", redisUrl, "BFF_USER_RATE", UNREACHED_USER_RATE);
  }

  /** What every BFF process gets before its caller's extra env: the demo's extras off, the observe switches. */
  static Map<String, String> childEnv() {
    Map<String, String> env = new LinkedHashMap<>(DEMO_EXTRAS_OFF);
    env.putAll(observeEnv());
    return env;
  }

  private static volatile String otlpEndpoint;

  /** From now on every BFF process started exports its spans to {@code endpoint} (the harness's {@link OtlpSink}). */
  public static void exportTracesTo(String endpoint) {
    otlpEndpoint = endpoint;
  }

  /**
   * What every BFF process the harness starts gets (extra env given by the caller still wins):
   * metrics and 1 % tracing as their bundle says (on), the access log off (it writes a line per
   * request to stdout; its cost is a question of its own) and the spans sent to the harness's OTLP
   * sink rather than logged to the child's stderr.
   */
  static Map<String, String> observeEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("BFF_ACCESS_LOG", "false");
    String endpoint = otlpEndpoint;
    if (endpoint != null) env.put("BFF_OTLP_ENDPOINT", endpoint);
    return env;
  }

  // ---------------------------------------------------------------- systems in child processes

  /** The repository root (run.sh runs from there); {@code -Dbffkit.root=DIR} overrides. */
  public static Path root() {
    return Path.of(System.getProperty("bffkit.root", ".")).toAbsolutePath().normalize();
  }

  /** A jar the harness launches, or an exception saying how to build it. */
  public static Path jar(String relative) throws IOException {
    Path p = root().resolve(relative);
    if (!Files.isRegularFile(p)) throw new IOException(p + " not found; build with mvn -DskipTests package");
    return p;
  }

  /** The jar or classes this harness runs from (holds the demo services and the hand-written fan-out). */
  public static String ownClasspath() {
    return System.getProperty("java.class.path");
  }

  /** The six demo services in their own process ({@code Demo --services-only}). */
  public static final class ProcessBackends implements Backends {
    private final ChildProcess process;
    private final int base;

    private ProcessBackends(ChildProcess process, int base) {
      this.process = process;
      this.base = base;
    }

    /**
     * Starts them on six consecutive free ports (plus the second posts replica on base + {@link
     * DemoServices#POSTS_REPLICA_OFFSET}); {@code instances} event loops per service.
     */
    public static ProcessBackends start(Path logDir, int instances) throws IOException, InterruptedException {
      int base = freePortRange(offsets());
      ChildProcess p = ChildProcess.start("demo-services", ChildProcess.java(List.of("-XX:+UseParallelGC", "-Xms128m", "-Xmx512m"),
          "-cp", ownClasspath(), "dev.bffkit.loadtests.Demo", "--services-only", "--services-base-port", Integer.toString(base),
          "--service-instances", Integer.toString(instances)), Map.of(), logDir);
      ProcessBackends b = new ProcessBackends(p, base);
      try {
        List<Integer> ports = new ArrayList<>();
        for (int offset : offsets()) ports.add(base + offset);
        p.awaitPorts(ports, 60_000);
      } catch (IOException | InterruptedException e) {
        p.close(0);
        throw e;
      }
      return b;
    }

    public ChildProcess process() {
      return process;
    }

    /** Port offsets from the base that {@code Demo --services-only} binds: six services, posts-2, the gRPC twins. */
    static List<Integer> offsets() {
      List<Integer> o = new ArrayList<>();
      for (int i = 0; i < SERVICES.size(); i++) o.add(i);
      o.add(DemoServices.POSTS_REPLICA_OFFSET);
      for (String g : DemoServices.GRPC_NAMES) o.add(DemoServices.GRPC_OFFSETS.get(g));
      return o;
    }

    @Override
    public int port(String service) {
      Integer grpc = DemoServices.GRPC_OFFSETS.get(service);
      if (grpc != null) return base + grpc;
      int i = SERVICES.indexOf(service);
      if (i < 0) throw new IllegalArgumentException("no demo service " + service);
      return base + i;
    }

    @Override
    public String kind() {
      return "demo services in their own process (pid " + process.pid() + "; posts: two replicas)";
    }

    @Override
    public int postsReplicaPort() {
      return base + DemoServices.POSTS_REPLICA_OFFSET;
    }

    /** Like {@link DemoServices#envUrls()}: POSTS_URL lists both posts replicas. */
    @Override
    public Map<String, String> env() {
      Map<String, String> m = new LinkedHashMap<>();
      for (String s : SERVICES) m.put(ENV_VARS.get(s), "http://127.0.0.1:" + port(s));
      m.put(ENV_VARS.get("posts"), "http://127.0.0.1:" + port("posts") + ",http://127.0.0.1:" + postsReplicaPort());
      for (String g : DemoServices.GRPC_NAMES) {
        m.put(DemoServices.GRPC_ENV_VARS.get(g), "http://127.0.0.1:" + (base + DemoServices.GRPC_OFFSETS.get(g)));
      }
      return m;
    }

    @Override
    public Future<Void> close() {
      process.close();
      return Future.succeededFuture();
    }
  }

  /** A system under test in a child process, listening on {@code port}. */
  public record ProcessTarget(ChildProcess process, int port, long readyNanos) implements AutoCloseable {
    @Override
    public void close() {
      process.close();
    }
  }

  /** {@code java <SUT flags> -jar bff-ios/target/bff-ios.jar --port P}, services from the env; waits for /readyz. */
  public static ProcessTarget startIosBffProcess(Backends backends, Path logDir, String name) throws IOException, InterruptedException {
    return startIosBffProcess(backends, Map.of(), logDir, name);
  }

  /** The same with extra environment (e.g. POSTS_HEDGE=true). */
  public static ProcessTarget startIosBffProcess(Backends backends, Map<String, String> extraEnv, Path logDir, String name)
      throws IOException, InterruptedException {
    return startIosBffProcess(backends, extraEnv, List.of(), logDir, name);
  }

  /** The same with extra JVM flags (e.g. {@code -XX:SharedArchiveFile=...}). */
  public static ProcessTarget startIosBffProcess(Backends backends, Map<String, String> extraEnv, List<String> extraFlags,
      Path logDir, String name) throws IOException, InterruptedException {
    return startIosBffJar(jar("bff-ios/target/bff-ios.jar"), backends, extraEnv, extraFlags, logDir, name);
  }

  /**
   * The iOS BFF from another build's jar (e.g. the previous commit's, {@code BENCH_PREVIOUS_JAR}),
   * so a change is measured against what it replaces in the same run.
   */
  public static ProcessTarget startIosBffJar(Path jar, Backends backends, Map<String, String> extraEnv,
      List<String> extraFlags, Path logDir, String name) throws IOException, InterruptedException {
    return startIosBff(ChildProcess.javaHere(), jar, extraEnv, extraFlags, backends, logDir, name);
  }

  /** The iOS BFF from {@code jar} on the JVM {@code java}; waits for /readyz. */
  private static ProcessTarget startIosBff(Path java, Path jar, Map<String, String> extraEnv, List<String> extraFlags,
      Backends backends, Path logDir, String name) throws IOException, InterruptedException {
    int port = freePort();
    List<String> flags = new ArrayList<>(sutFlags(logDir, name));
    flags.addAll(extraFlags);
    ChildProcess p = ChildProcess.start(name, ChildProcess.java(java, flags, "-jar",
        jar.toString(), "--port", Integer.toString(port)), iosEnv(backends, extraEnv), logDir);
    return awaitReady(p, port);
  }

  static Map<String, String> iosEnv(Backends backends, Map<String, String> extraEnv) {
    Map<String, String> env = new LinkedHashMap<>(backends.env());
    env.putAll(childEnv());
    // The BFF process trusts the harness's dev identity provider; bffHeaders() carries its token.
    env.put("BFF_JWT_ISSUER", devIdpForProcesses().issuer());
    env.put("BFF_JWKS_URL", "");
    env.putAll(extraEnv);
    return env;
  }

  /**
   * A training run of the iOS BFF ({@code --exit-when-ready} under {@code -XX:ArchiveClassesAtExit}):
   * the class-data (AppCDS) archive that the documented production launch starts from. Returns the
   * archive, or null when the JVM did not write one.
   */
  public static Path trainClassDataArchive(Backends backends, Path archive, Path logDir)
      throws IOException, InterruptedException {
    return train(ChildProcess.javaHere(), "cds-training", List.of("-XX:ArchiveClassesAtExit=" + archive.toAbsolutePath(),
        "-Xlog:cds=off"), Map.of(), backends, archive, logDir);
  }

  /**
   * A {@code --exit-when-ready} run of the iOS BFF on {@code java} with {@code extraFlags}, waited for (2 minutes at
   * most); returns {@code output} when the run wrote it, else null.
   */
  private static Path train(Path java, String name, List<String> extraFlags, Map<String, String> extraEnv,
      Backends backends, Path output, Path logDir) throws IOException, InterruptedException {
    List<String> flags = new ArrayList<>(sutFlags(logDir, name));
    flags.addAll(extraFlags);
    try (ChildProcess p = ChildProcess.start(name, ChildProcess.java(java, flags, "-jar",
        jar("bff-ios/target/bff-ios.jar").toString(), "--port", Integer.toString(freePort()), "--exit-when-ready"),
        iosEnv(backends, extraEnv), logDir)) {
      for (int i = 0; i < 1200 && p.isAlive(); i++) Thread.sleep(100);
    }
    return Files.isRegularFile(output) ? output : null;
  }

  /** A JDK with an AOT cache (JDK 24+, JEP 483/515): BENCH_AOT_JAVA, else Debian's Temurin 25 when installed. */
  public static Optional<Path> aotJava() {
    String env = System.getenv("BENCH_AOT_JAVA");
    Path java = env != null && !env.isBlank() ? Path.of(env) : Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
    return Files.isExecutable(java) ? Optional.of(java) : Optional.empty();
  }

  /**
   * Trains an AOT cache (classes loaded and linked, method profiles) with {@code java}: the iOS BFF's
   * --exit-when-ready run under -XX:AOTCacheOutput, its server.warmUp requests the training workload.
   * Null when no cache was written (see logs/aot-training).
   */
  public static Path trainAotCache(Path java, Backends backends, Path cache, int warmUpRequests, Path logDir)
      throws IOException, InterruptedException {
    return train(java, "aot-training", List.of("-XX:AOTCacheOutput=" + cache.toAbsolutePath()),
        Map.of("BFF_WARM_UP_REQUESTS", Integer.toString(warmUpRequests), "BFF_WARM_UP_MAX_TIME", "60s"), backends, cache, logDir);
  }

  /** The iOS BFF on another JVM ({@code java}) with extra flags; waits for /readyz. */
  public static ProcessTarget startIosBffOn(Path java, Backends backends, List<String> extraFlags, Path logDir, String name)
      throws IOException, InterruptedException {
    return startIosBff(java, jar("bff-ios/target/bff-ios.jar"), Map.of(), extraFlags, backends, logDir, name);
  }

  /** The same iOS BFF launched on a client folder ({@code bff-ios.jar --config DIR}), e.g. {@link #writeIosBundleWithoutAuth}. */
  public static ProcessTarget startIosBffProcess(Backends backends, Path configDir, Path logDir, String name)
      throws IOException, InterruptedException {
    Map<String, String> env = new LinkedHashMap<>(backends.env());
    env.putAll(childEnv());
    return startIosBffOnFolder(jar("bff-ios/target/bff-ios.jar"), configDir, env, logDir, name);
  }

  /**
   * {@code jar} (this build's bff-ios.jar or another build's) on a client folder with the whole environment given
   * (e.g. {@link #iosEnv}: auth on, as the iOS BFF runs); waits for /readyz.
   */
  static ProcessTarget startIosBffOnFolder(Path jar, Path configDir, Map<String, String> env, Path logDir, String name)
      throws IOException, InterruptedException {
    int port = freePort();
    ChildProcess p = ChildProcess.start(name, ChildProcess.java(sutFlags(logDir, name), "-jar",
        jar.toString(), "--config", configDir.toString(), "--port", Integer.toString(port)), env, logDir);
    return awaitReady(p, port);
  }

  /**
   * Waits (bounded) until the BFF answers the iOS home with the bench's token: /readyz does not
   * wait for the identity provider's keys (a BFF must start while it is down), and on a busy
   * machine the first fetch can time out; measuring before would record 401s. Returns the wait in ns.
   */
  public static long awaitSignedIn(ProcessTarget t, long timeoutMs) throws IOException, InterruptedException {
    String header = "Authorization: " + bffHeaders().get("authorization") + "\r\n";
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    int status = -1;
    while (System.nanoTime() < deadline) {
      status = Http1.status(t.port(), "GET", HOME_PATH, null, header, 2000);
      if (status == 200) return System.nanoTime() - start;
      Thread.sleep(50);
    }
    throw new IOException(t.process().pid() + ": " + HOME_PATH + " with the bench's token still answers " + status + " after "
        + timeoutMs + " ms");
  }

  /** The user the bench's token names (see {@link #devIdp}). */
  public static final String BENCH_USER = "u1";

  /**
   * The iOS bundle without auth, written as a client folder for {@code bff-ios.jar --config DIR}:
   * the same services, routes, schema and screens, the {@code auth:} section dropped and
   * {@code {ctx.sub}} replaced by {@link #BENCH_USER} (a JSON string in gRPC request templates), so
   * the home screen makes the same upstream calls as with the token: the baseline for the auth
   * stage's cost.
   */
  public static Path writeIosBundleWithoutAuth(Path parent) throws IOException {
    Path src = root().resolve("bff-ios/src/main/resources/bff/ios");
    Path dir = parent.resolve("ios-noauth");
    Files.createDirectories(dir.resolve("screens"));
    StringBuilder yaml = new StringBuilder();
    boolean inAuth = false;
    for (String line : Files.readAllLines(src.resolve("bff.yaml"))) {
      boolean topLevel = !line.isEmpty() && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("#");
      if (topLevel) inAuth = line.startsWith("auth:");
      if (!inAuth) yaml.append(line).append('\n');
    }
    if (yaml.toString().contains("\nauth:")) throw new IOException("could not drop auth from " + src.resolve("bff.yaml"));
    StringBuilder schema = new StringBuilder();
    for (String line : Files.readAllLines(src.resolve("schema.graphqls"))) {
      schema.append(line.replace("{ctx.sub}", line.contains("request:") ? "\\\"" + BENCH_USER + "\\\"" : BENCH_USER)).append('\n');
    }
    if (schema.indexOf("{ctx.") >= 0) throw new IOException(src.resolve("schema.graphqls") + " reads more of ctx than sub; update "
        + "Scenarios.writeIosBundleWithoutAuth");
    Files.writeString(dir.resolve("bff.yaml"), yaml);
    Files.writeString(dir.resolve("schema.graphqls"), schema);
    try (var screens = Files.list(src.resolve("screens"))) {
      for (Path f : screens.toList()) Files.copy(f, dir.resolve("screens").resolve(f.getFileName().toString()),
          StandardCopyOption.REPLACE_EXISTING);
    }
    return dir;
  }

  private static Vertx processIdpVertx;

  /** The dev identity provider for BFF child processes: in this (driver) JVM, on its own Vert.x. */
  static synchronized DevIdp devIdpForProcesses() {
    if (processIdpVertx == null) processIdpVertx = Vertx.vertx();
    return devIdp(processIdpVertx).await();
  }

  /** The hand-written fan-out in its own process with the BFF's JVM flags; waits for /readyz. */
  public static ProcessTarget startHandWrittenProcess(Backends backends, Path logDir, String name) throws IOException, InterruptedException {
    int port = freePort();
    ChildProcess p = ChildProcess.start(name, ChildProcess.java(sutFlags(logDir, name), "-cp", ownClasspath(),
        HandWrittenFanout.class.getName(), "--port", Integer.toString(port)), backends.env(), logDir);
    return awaitReady(p, port);
  }

  /** The hand-written Vert.x proxy ({@link HandWrittenProxy}) in its own process with the BFF's JVM flags; waits for /readyz. */
  public static ProcessTarget startHandWrittenProxyProcess(Backends backends, Path logDir, String name)
      throws IOException, InterruptedException {
    int port = freePort();
    ChildProcess p = ChildProcess.start(name, ChildProcess.java(sutFlags(logDir, name), "-cp", ownClasspath(),
        HandWrittenProxy.class.getName(), "--native", "--port", Integer.toString(port)), backends.env(), logDir);
    return awaitReady(p, port);
  }

  /** The generic launcher on a generated fan-out folder ({@link #writeFanoutBundle}); waits for /readyz. */
  public static ProcessTarget startFanoutBffProcess(Path bundle, Path logDir, int width) throws IOException, InterruptedException {
    int port = freePort();
    ChildProcess p = ChildProcess.start("bff-fanout" + width, ChildProcess.java(sutFlags(logDir, "bff-fanout" + width), "-jar",
        jar("bff-core/target/bff.jar").toString(), "--config", bundle.toString(), "--port", Integer.toString(port)), childEnv(), logDir);
    return awaitReady(p, port);
  }

  /** The common SUT flags plus a GC log next to the process's other logs (pauses explain outliers). */
  static List<String> sutFlags(Path logDir, String name) {
    List<String> flags = new ArrayList<>(ChildProcess.SUT_JVM_FLAGS);
    flags.add("-Xlog:gc:file=" + logDir.resolve(Reports.slug(name) + ".gc.log").toAbsolutePath() + ":uptime");
    return flags;
  }

  static ProcessTarget awaitReady(ChildProcess p, int port) throws IOException, InterruptedException {
    try {
      long ns = p.awaitHttp200(port, "/readyz", 10, 60_000);
      return new ProcessTarget(p, port, ns);
    } catch (IOException | InterruptedException e) {
      p.close(0);
      throw e;
    }
  }

  /** A base port B with B..B+n-1 all free on 127.0.0.1 (checked by binding; tiny race). */
  public static int freePortRange(int n) {
    List<Integer> offsets = new ArrayList<>();
    for (int i = 0; i < n; i++) offsets.add(i);
    return freePortRange(offsets);
  }

  /** A base port B with B + each offset free on 127.0.0.1 (checked by binding; tiny race). */
  public static int freePortRange(List<Integer> offsets) {
    Random rnd = new Random();
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = 20_000 + rnd.nextInt(30_000);
      boolean ok = true;
      for (int i = 0; i < offsets.size() && ok; i++) {
        try (ServerSocket s = new ServerSocket(base + offsets.get(i), 1, InetAddress.getLoopbackAddress())) {
          s.setReuseAddress(true);
        } catch (IOException taken) {
          ok = false;
        }
      }
      if (ok) return base;
    }
    throw new IllegalStateException("no free ports at offsets " + offsets + " found");
  }

  /** Path of the generated fan-out screen of the given width. */
  public static String fanoutPath(int width) {
    return "/v1/screens/fanout" + width;
  }

  // ---------------------------------------------------------------- helpers

  /** Like {@link #chaos(HttpClientAgent, int, String)} from a plain thread, over a plain socket; fails on non-200. */
  public static void chaos(int port, String json) throws IOException {
    int status = Http1.status(port, json == null ? "DELETE" : "PUT", "/_chaos", json, 5000);
    if (status != 200) throw new IOException("/_chaos answered " + status);
  }

  /** PUT /_chaos on a backend: e.g. {"latencyMs":200} or {"errorRate":0.5}; null body resets (DELETE). */
  public static Future<Void> chaos(HttpClientAgent client, int port, String json) {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/_chaos")
        .setMethod(json == null ? HttpMethod.DELETE : HttpMethod.PUT);
    return client.request(o).compose(req -> req.putHeader("content-type", "application/json")
            .send(json == null ? Buffer.buffer() : Buffer.buffer(json)))
        .compose(resp -> resp.statusCode() == 200 ? resp.body().mapEmpty()
            : Future.failedFuture("/_chaos answered " + resp.statusCode()));
  }

  /** A free TCP port on 127.0.0.1 (bound and released; tiny race, fine on a bench machine). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
