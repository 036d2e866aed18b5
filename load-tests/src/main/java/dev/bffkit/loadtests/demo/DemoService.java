package dev.bffkit.loadtests.demo;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Base of the six demo services: a plain Vert.x request handler with a tiny path switch, a
 * response cache (all GET answers are deterministic, so each URI is computed once), request
 * counters and live chaos (added latency through {@code vertx.setTimer}, random 500s).
 *
 * <p>Control endpoints, never delayed, never failed, never counted:
 * {@code GET /health}, {@code GET|PUT|DELETE /_chaos}, {@code GET|DELETE /_stats}.
 */
public abstract class DemoService {
  static final CharSequence JSON_TYPE = HttpHeaders.createOptimized("application/json");
  private static final int MAX_CACHED = 50_000;
  private static final Buffer HEALTH = Buffer.buffer("{\"status\":\"UP\"}");
  private static final Reply CHAOS_ERROR = new Reply(500, Buffer.buffer("{\"error\":\"chaos\"}"), "chaos", null);

  /** An answer: status, JSON body, the route it counts under, and an optional Location header. */
  protected record Reply(int status, Buffer body, String route, String location) {}

  /**
   * Chaos settings; immutable, swapped atomically. {@code coldStartMs} > 0 plays the service as a serverless function
   * ({@link FunctionInstances}): one request per instance, a new instance takes that long, and sleeps after
   * {@code sleepAfterMs} idle.
   */
  public record Chaos(int latencyMs, double errorRate, int coldStartMs, int sleepAfterMs) {
    public static final int SLEEP_AFTER_MS = 30_000;
    public static final Chaos NONE = new Chaos(0, 0.0, 0, SLEEP_AFTER_MS);

    public Chaos(int latencyMs, double errorRate) {
      this(latencyMs, errorRate, 0, SLEEP_AFTER_MS);
    }

    JsonObject toJson() {
      return new JsonObject().put("latencyMs", latencyMs).put("errorRate", errorRate).put("coldStartMs", coldStartMs)
          .put("sleepAfterMs", sleepAfterMs);
    }
  }

  /** Thrown by route code for a 400. */
  protected static final class BadRequest extends RuntimeException {
    BadRequest(String message) {
      super(message, null, false, false);
    }
  }

  /** One request as the route code sees it. */
  protected static final class Req {
    final HttpMethod method;
    final String path;
    final String[] segments;
    final Buffer body;
    private final HttpServerRequest raw;

    Req(HttpServerRequest raw, String path, Buffer body) {
      this.raw = raw;
      this.method = raw.method();
      this.path = path;
      this.segments = segments(path);
      this.body = body;
    }

    /** A URL-decoded query parameter, or null when absent or empty. */
    String param(String name) {
      String v = raw.getParam(name);
      return v == null || v.isEmpty() ? null : v;
    }

    /** An int parameter: {@code def} when absent, 400 when not a number or below {@code min}, clamped to {@code max}. */
    int intParam(String name, int def, int min, int max) {
      String v = param(name);
      if (v == null) {
        return def;
      }
      int n;
      try {
        n = Integer.parseInt(v.trim());
      } catch (NumberFormatException e) {
        throw new BadRequest(name + " must be an integer");
      }
      if (n < min) {
        throw new BadRequest(name + " must be >= " + min);
      }
      return Math.min(n, max);
    }

    String requiredParam(String name) {
      String v = param(name);
      if (v == null) {
        throw new BadRequest(name + " is required");
      }
      return v;
    }
  }

  private final String name;
  private final LongAdder requests = new LongAdder();
  private final LongAdder chaosErrors = new LongAdder();
  private final Map<String, LongAdder> byRoute = new ConcurrentHashMap<>();
  private final Map<String, Reply> cache = new ConcurrentHashMap<>();
  private final List<String> deployments = new ArrayList<>();
  private volatile Chaos chaos = Chaos.NONE;
  private final FunctionInstances function = new FunctionInstances();
  private volatile Vertx vertx;
  private volatile int port = -1;

  protected DemoService(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  /** The bound port, -1 before {@link #start}. */
  public int port() {
    return port;
  }

  public Chaos chaos() {
    return chaos;
  }

  public void chaos(Chaos c) {
    chaos = c;
  }

  /** Requests served by the service's own routes (not /health, /_chaos, /_stats). */
  public long requests() {
    return requests.sum();
  }

  /** Answers a request to a route of this service (never a control endpoint). */
  protected abstract Reply route(Req req);

  // ------------------------------------------------------------------ lifecycle

  /**
   * Listens on host:port (0 = ephemeral) with {@code instances} event-loop verticles sharing the
   * port; completes with the bound port.
   */
  public Future<Integer> start(Vertx vertx, String host, int port, int instances) {
    this.vertx = vertx;
    return deploy(vertx, host, port, 1).compose(bound -> {
      this.port = bound;
      if (instances <= 1) {
        return Future.succeededFuture(bound);
      }
      return deploy(vertx, host, bound, instances - 1).map(bound);
    });
  }

  private Future<Integer> deploy(Vertx vertx, String host, int port, int instances) {
    AtomicInteger bound = new AtomicInteger(port);
    HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port).setTcpNoDelay(true);
    return vertx.deployVerticle(() -> new VerticleBase() {
          @Override
          public Future<?> start() {
            HttpServer server = vertx.createHttpServer(options).requestHandler(DemoService.this::handle);
            return server.listen().onSuccess(s -> bound.set(s.actualPort()));
          }
        }, new DeploymentOptions().setInstances(instances))
        .map(id -> {
          synchronized (deployments) {
            deployments.add(id);
          }
          return bound.get();
        });
  }

  public Future<Void> close() {
    List<String> ids;
    synchronized (deployments) {
      ids = new ArrayList<>(deployments);
      deployments.clear();
    }
    List<Future<Void>> all = new ArrayList<>();
    for (String id : ids) {
      all.add(vertx.undeploy(id));
    }
    return Future.all(all).mapEmpty();
  }

  // ------------------------------------------------------------------ request handling

  final void handle(HttpServerRequest req) {
    Chaos c = chaos;
    if (c.coldStartMs > 0 && !req.path().startsWith("/_")) {
      asFunction(req, c);
      return;
    }
    serve(req);
  }

  /** The request waits for an instance (a cold start when none is idle), is served, then frees it. */
  private void asFunction(HttpServerRequest req, Chaos c) {
    long[] delay = new long[1];
    Object instance = function.take(System.currentTimeMillis(), c.coldStartMs, c.sleepAfterMs, delay);
    req.response().endHandler(v -> function.release(instance, System.currentTimeMillis()));
    req.response().exceptionHandler(err -> function.release(instance, System.currentTimeMillis()));
    if (delay[0] == 0) {
      serve(req);
    } else {
      req.pause();
      vertx.setTimer(delay[0], t -> {
        req.resume();
        serve(req);
      });
    }
  }

  /** Cold starts played so far (chaos {@code coldStartMs}). */
  public long coldStarts() {
    return function.coldStarts();
  }

  private void serve(HttpServerRequest req) {
    String path = req.path();
    if (path.length() > 1 && path.charAt(1) == '_' || path.equals("/health")) {
      control(req, path);
      return;
    }
    requests.increment();
    HttpMethod m = req.method();
    if (m == HttpMethod.POST || m == HttpMethod.PUT || m == HttpMethod.PATCH) {
      req.body()
          .onSuccess(body -> dispatch(req, path, body))
          .onFailure(err -> req.response().setStatusCode(400).end());
    } else {
      dispatch(req, path, null);
    }
  }

  private void dispatch(HttpServerRequest req, String path, Buffer body) {
    Chaos c = chaos;
    Reply reply;
    if (c.errorRate > 0 && (c.errorRate >= 1.0 || ThreadLocalRandom.current().nextDouble() < c.errorRate)) {
      chaosErrors.increment();
      reply = CHAOS_ERROR;
    } else {
      reply = answer(req, path, body);
      count(reply.route());
    }
    if (c.latencyMs > 0) {
      Reply r = reply;
      vertx.setTimer(c.latencyMs, t -> send(req, r));
    } else {
      send(req, reply);
    }
  }

  private Reply answer(HttpServerRequest req, String path, Buffer body) {
    boolean get = req.method() == HttpMethod.GET;
    String key = get ? req.uri() : null;
    if (key != null) {
      Reply cached = cache.get(key);
      if (cached != null) {
        return cached;
      }
    }
    Reply reply;
    try {
      reply = route(new Req(req, path, body));
    } catch (BadRequest e) {
      reply = error(400, "bad-request", e.getMessage());
    } catch (RuntimeException e) {
      return error(500, "error", String.valueOf(e));
    }
    if (key != null && cache.size() < MAX_CACHED) {
      cache.put(key, reply);
    }
    return reply;
  }

  private void count(String route) {
    LongAdder a = byRoute.get(route);
    if (a == null) {
      a = byRoute.computeIfAbsent(route, k -> new LongAdder());
    }
    a.increment();
  }

  private static void send(HttpServerRequest req, Reply r) {
    var resp = req.response().setStatusCode(r.status()).putHeader(HttpHeaders.CONTENT_TYPE, JSON_TYPE);
    if (r.location() != null) {
      resp.putHeader(HttpHeaders.LOCATION, r.location());
    }
    resp.end(r.body());
  }

  private void control(HttpServerRequest req, String path) {
    HttpMethod m = req.method();
    switch (path) {
      case "/health" -> send(req, new Reply(200, HEALTH, "health", null));
      case "/_chaos" -> {
        if (m == HttpMethod.GET) {
          send(req, json(200, chaos.toJson(), "chaos"));
        } else if (m == HttpMethod.DELETE) {
          chaos = Chaos.NONE;
          send(req, json(200, chaos.toJson(), "chaos"));
        } else if (m == HttpMethod.PUT || m == HttpMethod.POST) {
          req.body().onComplete(ar -> {
            if (ar.failed()) {
              send(req, error(400, "bad-request", "could not read body"));
              return;
            }
            try {
              chaos = parseChaos(ar.result(), chaos);
              send(req, json(200, chaos.toJson(), "chaos"));
            } catch (BadRequest e) {
              send(req, error(400, "bad-request", e.getMessage()));
            }
          });
        } else {
          send(req, error(405, "method-not-allowed", "GET, PUT or DELETE"));
        }
      }
      case "/_stats" -> {
        if (m == HttpMethod.DELETE) {
          requests.reset();
          chaosErrors.reset();
          byRoute.clear();
        }
        send(req, json(200, stats(), "stats"));
      }
      default -> send(req, error(404, "not-found", path));
    }
  }

  /** {"service","requests","chaosErrors","routes":{"GET /users/{id}":n,…}} */
  public JsonObject stats() {
    JsonObject routes = new JsonObject();
    new TreeMap<>(byRoute).forEach((k, v) -> routes.put(k, v.sum()));
    return new JsonObject()
        .put("service", name)
        .put("requests", requests.sum())
        .put("chaosErrors", chaosErrors.sum())
        .put("routes", routes);
  }

  /**
   * Validates a chaos body: a JSON object with optional {@code latencyMs} (integer 0..60000),
   * {@code errorRate} (number 0..1), {@code coldStartMs} and {@code sleepAfterMs} (integers, ms); a field left out
   * keeps its current value; unknown fields are rejected.
   */
  static Chaos parseChaos(Buffer body, Chaos current) {
    Object parsed;
    try {
      parsed = body == null || body.length() == 0 ? null : Json.decodeValue(body);
    } catch (RuntimeException e) {
      throw new BadRequest("body is not JSON");
    }
    if (!(parsed instanceof JsonObject o)) {
      throw new BadRequest("body must be a JSON object like {\"latencyMs\":20,\"errorRate\":0.5}");
    }
    int latency = current.latencyMs();
    double rate = current.errorRate();
    int coldStart = current.coldStartMs();
    int sleepAfter = current.sleepAfterMs();
    for (String field : o.fieldNames()) {
      Object v = o.getValue(field);
      switch (field) {
        case "latencyMs" -> {
          if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
              || n.doubleValue() < 0 || n.doubleValue() > 60_000) {
            throw new BadRequest("latencyMs must be an integer in 0..60000");
          }
          latency = n.intValue();
        }
        case "errorRate" -> {
          if (!(v instanceof Number n) || !(n.doubleValue() >= 0 && n.doubleValue() <= 1)) {
            throw new BadRequest("errorRate must be a number in 0..1");
          }
          rate = n.doubleValue();
        }
        case "coldStartMs" -> coldStart = millis(v, field, 0);
        case "sleepAfterMs" -> sleepAfter = millis(v, field, 1);
        default -> throw new BadRequest("unknown field " + field + " (latencyMs, errorRate, coldStartMs, sleepAfterMs)");
      }
    }
    return new Chaos(latency, rate, coldStart, sleepAfter);
  }

  private static int millis(Object v, String field, int min) {
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
        || n.doubleValue() < min || n.doubleValue() > 600_000) {
      throw new BadRequest(field + " must be an integer in " + min + "..600000");
    }
    return n.intValue();
  }

  // ------------------------------------------------------------------ helpers for routes

  static String[] segments(String path) {
    // "/users/u1/feed" -> ["users", "u1", "feed"]; a trailing slash gives a trailing ""
    return (path.startsWith("/") ? path.substring(1) : path).split("/", -1);
  }

  protected static Reply json(int status, JsonObject body, String route) {
    return new Reply(status, body.toBuffer(), route, null);
  }

  protected static Reply json(int status, JsonArray body, String route) {
    return new Reply(status, body.toBuffer(), route, null);
  }

  protected static Reply raw(int status, String json, String route) {
    return new Reply(status, Buffer.buffer(json), route, null);
  }

  protected static Reply error(int status, String error, String message) {
    return json(status, new JsonObject().put("error", error).put("message", message),
        status == 404 ? "not-found" : "error-" + status);
  }

  protected static Reply notFound(String what) {
    return error(404, "not-found", what);
  }
}
