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
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    default Map<String, Integer> ports() {
      Map<String, Integer> m = new LinkedHashMap<>();
      for (String s : SERVICES) m.put(s, port(s));
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

  private static DevIdp idp;
  private static Vertx idpVertx;
  private static volatile MultiMap authHeaders;

  /**
   * The dev identity provider the benchmarked BFFs trust: one per Vert.x instance, in-process on an
   * ephemeral loopback port. Its token (sub u1, scope read, valid 24 h) is what {@link #bffHeaders()}
   * sends.
   */
  static synchronized Future<DevIdp> devIdp(Vertx vertx) {
    if (idp != null && idpVertx == vertx) return Future.succeededFuture(idp);
    return DevIdp.start(vertx, 0).map(started -> {
      synchronized (Scenarios.class) {
        idp = started;
        idpVertx = vertx;
        authHeaders = MultiMap.caseInsensitiveMultiMap()
            .add("authorization", "Bearer " + started.mint("u1", "read", DevIdp.AUDIENCE, 86_400));
      }
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

  /** Path of the generated fan-out screen of the given width. */
  public static String fanoutPath(int width) {
    return "/v1/screens/fanout" + width;
  }

  // ---------------------------------------------------------------- helpers

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
