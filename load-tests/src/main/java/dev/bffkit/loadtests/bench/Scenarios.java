package dev.bffkit.loadtests.bench;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.ClasspathBundles;
import dev.bffkit.core.config.ClientBundle;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.ServerSocket;
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

  // ---------------------------------------------------------------- wiring to fix after the merge

  /**
   * WIRING 1 - the demo services on ephemeral ports. Uses {@code DemoServices} through reflection
   * so that this branch compiles before the demo package is merged; after the merge replace the
   * body with:
   * <pre>
   * return dev.bffkit.loadtests.demo.DemoServices.start(vertx, 0).map(ds -> new Backends() {
   *   public int port(String s) { return ds.port(s); }
   *   public String kind() { return "demo services"; }
   *   public Future<Void> close() { return ds.close(); }
   * });
   * </pre>
   * and delete {@link StandInBackends}.
   */
  public static Future<Backends> startBackends(Vertx vertx) {
    Class<?> demo;
    try {
      demo = Class.forName("dev.bffkit.loadtests.demo.DemoServices");
    } catch (ClassNotFoundException e) {
      return StandInBackends.start(vertx);
    }
    try {
      Method start = demo.getMethod("start", Vertx.class, int.class);
      Method port = demo.getMethod("port", String.class);
      Method close = demo.getMethod("close");
      Future<?> started = (Future<?>) start.invoke(null, vertx, 0);
      return started.map(ds -> new Backends() {
        @Override
        public int port(String s) {
          try {
            return (Integer) port.invoke(ds, s);
          } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
          }
        }

        @Override
        public String kind() {
          return "demo services";
        }

        @Override
        @SuppressWarnings("unchecked")
        public Future<Void> close() {
          try {
            return (Future<Void>) close.invoke(ds);
          } catch (ReflectiveOperationException e) {
            return Future.failedFuture(e);
          }
        }
      });
    } catch (ReflectiveOperationException e) {
      return Future.failedFuture(e);
    }
  }

  /** WIRING 2 - the iOS BFF pointed at the backends, on an ephemeral port. */
  public static Future<Target> startIosBff(Vertx vertx, Backends backends) {
    ClientBundle bundle;
    try {
      Map<String, String> env = backends.env();
      bundle = ClasspathBundles.load("ios", name -> env.containsKey(name) ? env.get(name) : System.getenv(name)).withPort(0);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return Bff.start(vertx, bundle).map(bff -> new Target(bff.port(), bff::close));
  }

  /** WIRING 3 - headers every BFF request carries (e.g. an Authorization bearer for the demo user); none yet. */
  public static MultiMap bffHeaders() {
    return null;
  }

  /**
   * WIRING 4 - hook for the fan-out width scenario: a BFF serving a generated screen that touches
   * {@code width} services (1, 2, 4, ... 32), and that screen's path. Empty until the lead provides
   * the generated bundle; the scenario then reports "skipped".
   */
  public static Optional<Future<Target>> startFanoutBff(Vertx vertx, Backends backends, int width) {
    return Optional.empty();
  }

  /** WIRING 4b - path of the generated fan-out screen of the given width. */
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
