package dev.bffkit.loadtests.jmh;

import dev.bffkit.core.compose.ComposeContext;
import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.compose.Screen;
import dev.bffkit.core.compose.Selector;
import dev.bffkit.core.compose.Template;
import dev.bffkit.core.config.ClasspathBundles;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.internal.DirectContext;
import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.upstream.GrpcRequest;
import dev.bffkit.core.upstream.GrpcResponse;
import dev.bffkit.core.upstream.HttpUpstreams;
import dev.bffkit.core.upstream.UpstreamCaller;
import dev.bffkit.core.upstream.UpstreamException;
import dev.bffkit.core.upstream.UpstreamResponse;
import dev.bffkit.loadtests.demo.DemoServices;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The composition engine's own cost: the iOS home screen (six services, authors batched) with
 * instant upstreams that replay answers recorded once from the demo services, so only the
 * gateway's work is measured (templates, calls, JSON parse, completion, serialisation). The
 * same screen through graphql-java's executor is the baseline of the plan executor. Also the
 * two request-facing hot paths: template rendering and JSON selection.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ComposeBench {
  private Vertx vertx;
  private Context context;
  private CompositionEngine planned;
  private CompositionEngine graphqlJava;
  private Screen home;
  private final Replay replay = new Replay();
  private Template template;
  private Selector selector;
  private Object selectorInput;
  private static final Map<String, Object> CALLER = Map.of("sub", "u1");
  private final Map<String, Object> templateArgs = Map.of("user", "u1", "first", 10, "after", "../x y");

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    DemoServices services = DemoServices.start(vertx, 0).await(10, TimeUnit.SECONDS);
    Map<String, String> env = services.envUrls();
    ClientBundle bundle = ClasspathBundles.load("ios", n -> env.getOrDefault(n, System.getenv(n)));
    planned = CompositionEngine.create(bundle, true);
    graphqlJava = CompositionEngine.create(bundle, false);
    home = planned.screen("home");
    // Record every upstream answer of one real run, then replay them instantly.
    HttpUpstreams live = new HttpUpstreams(vertx, bundle.config().services());
    UpstreamCaller recorder = new UpstreamCaller() {
      @Override
      public Future<UpstreamResponse> call(String service, dev.bffkit.core.upstream.UpstreamRequest req) {
        return live.call(service, req).onSuccess(r -> replay.answers.put(service + " " + req.pathAndQuery(), r));
      }

      @Override
      public Future<GrpcResponse> grpc(String service, GrpcRequest req) {
        return live.grpc(service, req).onSuccess(r -> replay.grpcAnswers.put(Replay.key(service, req), r));
      }
    };
    // A cold first run can miss a field's @timeout: run until one answer is complete, recording all.
    for (int i = 0; i < 20; i++) {
      dev.bffkit.core.compose.ComposeResult r = Future.<dev.bffkit.core.compose.ComposeResult>future(p ->
          context.runOnContext(v -> planned.run(home, Map.of(), cx(recorder)).onComplete(p))).await(10, TimeUnit.SECONDS);
      if (r.complete()) break;
    }
    services.close().await(10, TimeUnit.SECONDS);
    // users (me), posts (feed), users batch (authors), ads, analytics, and the two gRPC methods.
    if (replay.answers.size() + replay.grpcAnswers.size() < 7) {
      throw new IllegalStateException("recorded only " + replay.answers.keySet() + " " + replay.grpcAnswers.keySet());
    }
    // Measure the whole screen, never a failing one: both executors must answer it without errors.
    for (CompositionEngine e : List.of(planned, graphqlJava)) {
      String body = run(e).toString();
      if (body.contains("\"errors\"") || !body.contains("\"feed\"")) {
        throw new IllegalStateException((e == planned ? "planned" : "graphql-java") + ": the replayed home is not complete: " + body);
      }
    }

    template = Template.compile("/users/{args.user}/feed?limit={args.first}&cursor={args.after}", Template.FIELD_ROOTS);
    selector = Selector.compile("data.items.3.author.name");
    selectorInput = Map.of("data", Map.of("items", List.of(1, 2, 3, Map.of("author", Map.of("name", "Ada")))));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private ComposeContext cx(UpstreamCaller caller) {
    // The signed-in user, as the auth stage would set it: the home's me and feed are {ctx.sub}'s.
    return new ComposeContext(caller, Deadline.inMillis(5_000), "bench", CALLER, MultiMap.caseInsensitiveMultiMap(),
        java.util.Set.of("read"), null);
  }

  /**
   * Runs the screen on this thread with the Vert.x context current, as the server's event loop
   * would. Plans complete synchronously with instant upstreams; graphql-java's run sends its
   * author batch from a task queued on the event loop, so it is awaited (one thread hop, a few
   * microseconds, counted against it).
   */
  private Buffer run(CompositionEngine engine) throws Exception {
    java.util.concurrent.CompletableFuture<Buffer> out = new java.util.concurrent.CompletableFuture<>();
    DirectContext.run(context, () -> engine.run(home, Map.of(), cx(replay))
        .onComplete(ar -> {
          if (ar.succeeded()) out.complete(ar.result().body());
          else out.completeExceptionally(ar.cause());
        }));
    return out.get(5, TimeUnit.SECONDS);
  }

  @Benchmark
  public Buffer iosHomePlanned() throws Exception {
    return run(planned);
  }

  @Benchmark
  public Buffer iosHomeGraphqlJava() throws Exception {
    return run(graphqlJava);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public String templateRender() {
    return template.render(ref -> ref.path().select(templateArgs));
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Object jsonSelect() {
    return selector.select(selectorInput);
  }

  /** Answers instantly with the recorded response (each call gets its own Buffer view). */
  static final class Replay implements UpstreamCaller {
    final Map<String, UpstreamResponse> answers = new ConcurrentHashMap<>();
    final Map<String, GrpcResponse> grpcAnswers = new ConcurrentHashMap<>();

    static String key(String service, GrpcRequest req) {
      return service + " " + req.fullMethod() + " " + req.message();
    }

    @Override
    public Future<GrpcResponse> grpc(String service, GrpcRequest req) {
      GrpcResponse r = grpcAnswers.get(key(service, req));
      return r == null ? Future.failedFuture(new UpstreamException(service, UpstreamException.Kind.CONNECT, "not recorded"))
          : Future.succeededFuture(r);
    }

    @Override
    public Future<UpstreamResponse> call(String service, dev.bffkit.core.upstream.UpstreamRequest req) {
      String key = service + " " + req.pathAndQuery();
      UpstreamResponse r = answers.get(key);
      if (r == null && req.pathAndQuery().startsWith("/users?ids=")) r = answers.computeIfAbsent(key, k -> subset(req.pathAndQuery()));
      return r == null ? Future.failedFuture(new UpstreamException(service, UpstreamException.Kind.CONNECT, "not recorded"))
          : Future.succeededFuture(r);
    }

    /**
     * graphql-java's DataLoader dispatches per level, so with instant upstreams it may split the
     * authors into smaller batches than the one recorded: answer those from the recorded batch
     * (users answers a JSON array in request order). Computed once per distinct call.
     */
    private UpstreamResponse subset(String pathAndQuery) {
      java.util.Set<String> wanted = java.util.Set.of(pathAndQuery.substring("/users?ids=".length()).split(","));
      for (Map.Entry<String, UpstreamResponse> e : answers.entrySet()) {
        if (!e.getKey().startsWith("users /users?ids=")) continue;
        io.vertx.core.json.JsonArray all = e.getValue().body().toJsonArray();
        io.vertx.core.json.JsonArray some = new io.vertx.core.json.JsonArray();
        for (Object u : all) if (wanted.contains(((io.vertx.core.json.JsonObject) u).getString("id"))) some.add(u);
        if (some.size() == wanted.size()) return new UpstreamResponse(200, e.getValue().headers(), some.toBuffer());
      }
      return null;
    }
  }
}
