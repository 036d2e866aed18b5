package dev.bffkit.core;

import dev.bffkit.core.admin.AdminServer;
import dev.bffkit.core.admin.Readiness;
import dev.bffkit.core.cache.CacheAdmin;
import dev.bffkit.core.cache.FieldCache;
import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.compose.SharedPersistedQueries;
import dev.bffkit.core.config.AdminConfig;
import dev.bffkit.core.config.AuthConfig;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClasspathBundles;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.PortalConfig;
import dev.bffkit.core.observe.Observability;
import dev.bffkit.core.observe.Observers;
import dev.bffkit.core.contract.ContractCheck;
import dev.bffkit.core.contract.Export;
import dev.bffkit.core.observe.audit.AuditVerify;
import dev.bffkit.core.observe.slo.SloRulesCommand;
import dev.bffkit.core.portal.Portal;
import dev.bffkit.core.portal.PublicPortal;
import dev.bffkit.core.portal.keys.KeysApi;
import dev.bffkit.core.portal.keys.PortalKeys;
import dev.bffkit.core.ratelimit.RateLimiting;
import dev.bffkit.core.portal.ApiDocsPages;
import dev.bffkit.core.reload.Reloader;
import dev.bffkit.core.route.RouteTable;
import dev.bffkit.core.security.Security;
import dev.bffkit.core.server.BffServer;
import dev.bffkit.core.server.NettyDefaults;
import dev.bffkit.core.server.Reload;
import dev.bffkit.core.server.Routes;
import dev.bffkit.core.server.WarmUp;
import dev.bffkit.core.server.h3.Http3Listener;
import dev.bffkit.core.upstream.UpstreamRegistry;
import io.micrometer.core.instrument.Gauge;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Entry point of every BFF. {@code java -jar bff.jar --config DIR [--port N]} serves any client
 * folder (bff.yaml, schema.graphqls, screens/); a client module's Main calls
 * {@link #run(String, String[])} to serve the folder {@code bff/<client>/} built into its jar.
 */
public final class Bff {
  private static final Logger LOG = Logger.getLogger("dev.bffkit");
  private static final Logger ROUTES_LOG = Logger.getLogger("dev.bffkit.routes");
  private static final AtomicInteger EPHEMERAL_KEYS = new AtomicInteger();

  private Bff() {}

  /** Command line entry of the generic launcher. */
  public static void main(String[] args) {
    run(null, args);
  }

  /**
   * Serves the built-in folder {@code bff/<client>/} (or {@code --config DIR}). A configuration
   * error prints {@code file:line: problem} and exits with status 2 before anything listens.
   */
  public static void run(String client, String[] args) {
    NettyDefaults.apply();
    // Subcommands: tools that read files and exit, before anything starts.
    if (args.length > 0 && "audit".equals(args[0])) {
      System.exit(AuditVerify.run(Arrays.copyOfRange(args, 1, args.length)));
      return;
    }
    if (args.length > 0 && "slo-rules".equals(args[0])) {
      System.exit(SloRulesCommand.run(client, Arrays.copyOfRange(args, 1, args.length)));
      return;
    }
    long t0 = System.nanoTime();
    Logs.configure();
    LaunchArgs launch;
    try {
      launch = LaunchArgs.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bff: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (launch.help()) {
      System.out.println(LaunchArgs.USAGE);
      return;
    }
    // Start-up runs three independent things side by side: Vert.x, the JIT-cold first use of
    // graphql-java and nimbus (JWT), and reading the bundle. Each takes a few hundred milliseconds on its own.
    CompletableFuture<Vertx> vertxReady = inBackground("bff-start-vertx",
        () -> Vertx.builder().with(new VertxOptions().setPreferNativeTransport(true)
            .setMetricsOptions(Observers.vertxMetricsOptions())).withMetrics(Observers.vertxMetricsFactory()).build());
    inBackground("bff-start-warm", () -> {
      CompositionEngine.warmUp();
      Security.warmUp();
      return null;
    });
    ClientBundle bundle;
    try {
      if (launch.configDir() != null) {
        Path dir = Path.of(launch.configDir());
        if (!Files.isDirectory(dir)) throw new ConfigException(launch.configDir(), 0, "not a directory; --config takes a client folder holding bff.yaml");
        bundle = BundleLoader.load(dir);
      } else if (client != null) {
        bundle = ClasspathBundles.load(client);
      } else {
        throw new ConfigException("command line", 0, "--config DIR is required\n" + LaunchArgs.USAGE);
      }
      if (launch.port() != null) bundle = bundle.withPort(launch.port());
    } catch (ConfigException e) {
      if (launch.check()) {
        System.exit(ContractCheck.unloadable(e, System.out)); // one problem, in --check's format
        return;
      }
      System.err.println("bff: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (launch.printRoutes()) {
      System.exit(printRoutes(bundle));
      return;
    }
    if (launch.exportDir() != null) {
      try {
        System.out.println("exported to " + launch.exportDir() + ": " + Export.write(bundle, Path.of(launch.exportDir())));
        System.exit(0);
      } catch (ConfigException e) {
        System.err.println("bff: configuration error: " + e.getMessage());
        System.exit(2);
      } catch (IOException e) {
        System.err.println("bff: cannot write " + launch.exportDir() + ": " + e.getMessage());
        System.exit(1);
      }
      return;
    }
    if (launch.check()) {
      ClientBundle installed;
      try {
        installed = launch.againstDir() == null ? null : BundleLoader.load(Path.of(launch.againstDir()));
      } catch (ConfigException e) {
        System.err.println("bff: --against: configuration error: " + e.getMessage());
        System.exit(2);
        return;
      }
      Path folder = launch.configDir() == null ? null : Path.of(launch.configDir());
      System.exit(ContractCheck.run(bundle, folder, installed, System.out));
      return;
    }
    Vertx vertx = vertxReady.join();
    ClientBundle started = bundle;
    Watch watch = null;
    if (launch.configDir() != null) {
      Integer port = launch.port();
      watch = new Watch(Path.of(launch.configDir()), d -> port == null ? BundleLoader.load(d) : BundleLoader.load(d).withPort(port));
    }
    start(vertx, bundle, null, watch).onComplete(ar -> {
      if (ar.failed()) {
        System.err.println("bff: failed to start: " + ar.cause().getMessage());
        vertx.close();
        System.exit(ar.cause() instanceof ConfigException ? 2 : 1);
        return;
      }
      RunningBff bff = ar.result();
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      LOG.info("event=ready bff=" + started.config().name() + " url=http://" + started.config().server().host() + ":" + bff.port()
          + (bff.adminPort() > 0 ? " admin=http://" + started.config().admin().host() + ":" + bff.adminPort() : "")
          + " screens=" + started.screens().size() + " startup_ms=" + ms);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(vertx, bff, started), "bff-shutdown"));
      if (launch.exitWhenReady()) {
        // A training run: once warm, stop as on SIGTERM (off the event loop: the hook awaits it).
        bff.warmedUp().onComplete(w -> new Thread(() -> System.exit(0), "bff-exit-when-ready").start());
      }
    });
  }

  /** {@code --routes}: the route table, one line per route, without listening (exit 0, or 2 on a config error). */
  private static int printRoutes(ClientBundle bundle) {
    try {
      RouteTable table = Routes.compile(bundle, CompositionEngine.create(bundle));
      table.lines().forEach(System.out::println);
      return 0;
    } catch (ConfigException e) {
      System.err.println("bff: configuration error: " + e.getMessage());
      return 2;
    }
  }

  private static <T> CompletableFuture<T> inBackground(String name, java.util.function.Supplier<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        result.complete(work.get());
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    }, name);
    t.setDaemon(true);
    t.start();
    return result;
  }

  private static void shutdown(Vertx vertx, RunningBff bff, ClientBundle bundle) {
    // JUL's own shutdown hook may already have closed its handlers: write these lines directly.
    Logs.direct("INFO", "event=draining bff=" + bundle.config().name());
    long grace = bundle.config().server().shutdownGrace().plus(bundle.config().server().drainDelay()).toMillis();
    try {
      // Awaited one after the other from this (non-Vert.x) thread: a continuation chained on an
      // event loop would be handed to a loop that vertx.close() has already stopped.
      bff.close().await(grace + 1000, TimeUnit.MILLISECONDS);
      vertx.close().await(2000, TimeUnit.MILLISECONDS);
      Logs.direct("INFO", "event=stopped bff=" + bundle.config().name());
    } catch (Exception e) {
      Logs.direct("WARNING", "event=shutdown_incomplete bff=" + bundle.config().name() + " error=" + e);
    }
  }

  /**
   * Starts one client BFF on the given Vert.x instance: validates and compiles the bundle
   * (schema, screens, templates) once, then deploys one {@link BffServer} per event loop.
   * Fails with a {@link ConfigException} when the bundle is invalid.
   */
  public static Future<RunningBff> start(Vertx vertx, ClientBundle bundle) {
    return start(vertx, bundle, null);
  }

  /** As {@link #start(Vertx, ClientBundle)}; {@code spanExporter} replaces the configured one (tests: in memory). */
  public static Future<RunningBff> start(Vertx vertx, ClientBundle bundle, SpanExporter spanExporter) {
    return start(vertx, bundle, spanExporter, null);
  }

  /**
   * Where a running BFF reloads its bundle from: the client folder, watched for changes (plain edits and Kubernetes
   * ConfigMap swaps) and reloadable from the admin listener ({@code POST /config/reload}); {@code load} reads it as
   * the start did (environment, port override).
   */
  public record Watch(Path dir, Function<Path, ClientBundle> load) {
    /** How often the folder is looked at; a change is live within about two of these. */
    public static final Duration INTERVAL = Duration.ofMillis(250);
  }

  /**
   * As {@link #start(Vertx, ClientBundle, SpanExporter)}, reloading from {@code watch} when it is not null. With
   * {@code server.warmUp}, a loopback copy serves the warm-up first ({@link WarmUp}): readiness follows it.
   */
  public static Future<RunningBff> start(Vertx vertx, ClientBundle bundle, SpanExporter spanExporter, Watch watch) {
    if (!bundle.config().server().warmUp().enabled()) return serve(vertx, bundle, spanExporter, watch, true);
    return WarmUp.run(vertx, bundle, copy -> serve(vertx, copy, null, null, false))
        .compose(answered -> serve(vertx, bundle, spanExporter, watch, true));
  }

  /** Starts the BFF; {@code logRoutes}: one line per route (not for a warm-up's copy). */
  private static Future<RunningBff> serve(Vertx vertx, ClientBundle bundle, SpanExporter spanExporter, Watch watch,
      boolean logRoutes) {
    CompositionEngine engine;
    RouteTable routes;
    try {
      engine = CompositionEngine.create(bundle);
      routes = Routes.compile(bundle, engine);
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    if (logRoutes && ROUTES_LOG.isLoggable(Level.INFO)) {
      for (String line : routes.lines()) ROUTES_LOG.info("event=route bff=" + bundle.config().name() + " " + line);
    }
    Readiness readiness = new Readiness();
    int configured = bundle.config().server().instances();
    int instances = configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
    int port = bundle.config().server().port();
    // Port 0 would give each instance its own random port; a negative port is Vert.x's
    // "one random port shared by every server listening on this same negative number".
    int listenPort = port == 0 ? -EPHEMERAL_KEYS.incrementAndGet() : port;
    List<BffServer> servers = new CopyOnWriteArrayList<>();
    // Breakers, endpoint health, ejections, budgets and bulkheads are per BFF (shared by its event
    // loops); connection pools stay per loop.
    Observability observe = Observability.create(bundle.config(), routes, spanExporter);
    engine.bindMetrics(observe.metrics().registry());
    SharedPersistedQueries apq = SharedPersistedQueries.create(vertx, bundle.config().fleet(), bundle.config().name(),
        observe.metrics().registry());
    engine.shareRegistrations(apq);
    // One per BFF, kept across reloads (a reload's engine gets the same one).
    FieldCache fieldCache = FieldCache.create(vertx, bundle.config().composition().cache(), bundle.config().fleet(),
        bundle.config().name(), observe.metrics().registry());
    engine.useFieldCache(fieldCache);
    UpstreamRegistry registry = new UpstreamRegistry(vertx, bundle.config().services(), observe);
    // Key fetches start now and never hold up the start (an identity provider may be down).
    PortalKeys keys = PortalKeys.create(vertx, bundle.config(), observe.metrics().registry());
    Security security = bundle.config().auth().enabled()
        ? Security.create(vertx, bundle.config().auth(), keys == null ? null : keys.dynamic(),
            observe.metrics().registry(), bundle.config().fleet()).start() : null;
    if (security != null && security.jwt() != null) keysBeforeReady(readiness, security, bundle.config().auth());
    AtomicInteger connections = new AtomicInteger();
    Gauge.builder("bff.server.connections", connections, AtomicInteger::get)
        .description("Open client connections, TCP and QUIC: what limits.maxConnections counts")
        .strongReference(true).register(observe.metrics().registry());
    AdminConfig adminConfig = bundle.config().admin();
    AdminServer admin = new AdminServer(vertx, adminConfig, readiness, routes, registry, observe);
    AtomicReference<Reloader> reloader = new AtomicReference<>();
    AtomicReference<RunningBff> running = new AtomicReference<>();
    AtomicReference<PublicPortal> publicPortal = new AtomicReference<>();
    try {
      if (bundle.config().server().http3().enabled()) {
        Http3Listener.requireNative();
        Http3Listener.requireQlogDir(bundle.config().server().http3());
      }
      Observers.install(observe, bundle.config(), routes, registry, admin.router());
      if (watch != null) {
        reloader.set(new Reloader(vertx, watch.dir(), watch.load(), next -> running.get().reload(next)));
        reloader.get().mount(admin.router());
      }
      ApiDocsPages docs = ApiDocsPages.mount(admin.router(), () -> live(running, routes, engine, bundle).routes(),
          () -> live(running, routes, engine, bundle).engine(), () -> live(running, routes, engine, bundle).bundle(),
          () -> reloader.get() == null ? null : reloader.get().version());
      Portal.mount(vertx, admin.router(), running::get);
      KeysApi.mount(vertx, admin.router(), keys, running::get);
      CacheAdmin.mount(admin.router(), fieldCache);
      PortalConfig.Public pub = bundle.config().portal().publicPortal();
      if (pub != null) publicPortal.set(PublicPortal.create(vertx, pub, bundle.config().name(), docs, keys, running::get));
    } catch (ConfigException e) {
      registry.close();
      fieldCache.close();
      return observe.close(vertx).transform(ar -> Future.failedFuture(e));
    }
    // The derived default (client port + 1000) may be taken when --port picked a port: then any free one.
    boolean derived = adminConfig.equals(AdminConfig.defaults(bundle.config().server().port())) && adminConfig.port() > 0;
    AtomicReference<RateLimiting> limiting = new AtomicReference<>();
    return registry.start()
        .compose(v -> keys == null ? Future.succeededFuture() : keys.start())
        .compose(v -> !bundle.config().rateLimits().enabled() ? Future.succeededFuture()
            : RateLimiting.start(vertx, bundle.config(), observe.metrics().registry()).map(l -> {
              limiting.set(l);
              readiness.check("ratelimit", l::degraded, l::refusing);
              return null;
            }))
        .compose(v -> !adminConfig.enabled() ? Future.succeededFuture() : admin.start().recover(e -> {
          if (!derived) return Future.failedFuture(e);
          LOG.warning("event=admin_port_busy bff=" + bundle.config().name() + " port=" + adminConfig.port()
              + " fallback=ephemeral error=" + e.getMessage());
          return admin.listenOn(0).start();
        }))
        .compose(v -> vertx.deployVerticle(() -> {
          BffServer server = new BffServer(bundle.config(), engine, routes, readiness, listenPort, registry, security,
              limiting.get(), connections, observe).portal(publicPortal.get());
          servers.add(server);
          return server;
        }, new DeploymentOptions().setInstances(instances)))
        .map(id -> {
          readiness.ready();
          // After ready, never delaying it: a request arriving meanwhile is simply served.
          Future<Void> warmed = dryRun(vertx, engine);
          Running r = new Running(vertx, servers.get(0).actualPort(), id, registry, servers, readiness,
              new Generation(bundle, engine, routes, security, limiting.get()), warmed,
              adminConfig.enabled() ? admin : null, observe, reloader.get(), keys, apq, fieldCache);
          running.set(r);
          // The folder as served is the first version (the swap sees the same bundle and does nothing); then watch.
          if (reloader.get() != null) reloader.get().reload("start").onComplete(x -> reloader.get().watch(Watch.INTERVAL));
          return (RunningBff) r;
        })
        .onFailure(e -> {
          registry.close();
          if (security != null) security.close();
          if (limiting.get() != null) limiting.get().close();
          if (keys != null) keys.close();
          if (apq != null) apq.close();
          fieldCache.close();
          admin.close();
          observe.close(vertx);
        });
  }

  /**
   * Not ready until every issuer's keys are in, for {@code auth.keysBeforeReady} at most: a new instance of a rolling
   * deploy takes no traffic whose tokens it cannot yet check. Shown in /readyz's body until the keys arrive.
   */
  private static void keysBeforeReady(Readiness readiness, Security security, AuthConfig auth) {
    long until = System.nanoTime() + auth.keysBeforeReady().toNanos();
    readiness.check("auth", () -> {
      String missing = security.jwt().issuersWithoutKeys();
      return missing == null ? null : "no keys yet from " + missing;
    }, () -> System.nanoTime() < until && security.jwt().issuersWithoutKeys() != null);
  }

  /** The generation serving now: the first one until the BFF runs, then the last reload's (for the API documents). */
  private static Generation live(AtomicReference<RunningBff> running, RouteTable routes, CompositionEngine engine,
      ClientBundle bundle) {
    return running.get() instanceof Running r ? r.current : new Generation(bundle, engine, routes, null, null);
  }

  /** The screens' dry run on an event loop, where plans run (see {@link CompositionEngine#dryRun}). */
  private static Future<Void> dryRun(Vertx vertx, CompositionEngine engine) {
    Context loop = vertx.getOrCreateContext();
    return Future.future(p -> loop.runOnContext(x -> engine.dryRun().onComplete(p)));
  }

  /** A started BFF. */
  public interface RunningBff {
    int port();

    /** The BFF-wide upstream state: breakers, endpoints, bulkheads (for tests and admin). */
    UpstreamRegistry upstreams();

    /** Graceful stop: drain in-flight requests (up to the configured grace), then release pools. */
    Future<Void> close();

    /** Completes when the after-ready warm-up (every screen's dry run) is done. */
    Future<Void> warmedUp();

    /** The admin listener's port, or -1 when it is off. */
    int adminPort();

    /** The route table the BFF serves. */
    RouteTable routes();

    /** The BFF's meters, tracing and request observers. */
    Observability observability();

    /** The composition engine serving now (a reload replaces it). */
    CompositionEngine engine();

    /** The configuration serving now (a reload replaces it). */
    BffConfig config();

    /** The auth state serving now (a reload may replace it); null when auth is off. */
    Security security();

    /**
     * Serves {@code next} from now on without dropping a request: requests already running finish on the config they
     * started with. Fails, with the old config still serving, when {@code next} does not validate or changes what
     * only a restart can ({@link Reload#restartNeeded}).
     */
    Future<Void> reload(ClientBundle next);
  }

  /** What a reload replaces: the bundle and everything built from it that the request path reads. */
  private record Generation(ClientBundle bundle, CompositionEngine engine, RouteTable routes, Security security,
      RateLimiting rateLimiting) {}

  private static final class Running implements RunningBff {
    private final Vertx vertx;
    private final int port;
    private final String deployment;
    private final UpstreamRegistry registry;
    private final List<BffServer> servers;
    private final Readiness readiness;
    private final Future<Void> warmedUp;
    private final AdminServer admin;
    private final Observability observability;
    private final Reloader reloader;
    /** The portal's self-service keys (null when off): their store outlives reloads. */
    private final PortalKeys keys;
    /** The fleet's APQ registrations (null without redis.url): every generation's engine shares them. */
    private final SharedPersistedQueries apq;
    /** The field cache: every generation's engine uses it. */
    private final FieldCache fieldCache;
    private volatile Generation current;
    /** Reloads run one after another. */
    private Future<Void> reloading = Future.succeededFuture();

    Running(Vertx vertx, int port, String deployment, UpstreamRegistry registry, List<BffServer> servers,
        Readiness readiness, Generation current, Future<Void> warmedUp, AdminServer admin, Observability observability,
        Reloader reloader, PortalKeys keys, SharedPersistedQueries apq, FieldCache fieldCache) {
      this.reloader = reloader;
      this.fieldCache = fieldCache;
      this.apq = apq;
      this.keys = keys;
      this.vertx = vertx;
      this.port = port;
      this.deployment = deployment;
      this.registry = registry;
      this.servers = servers;
      this.readiness = readiness;
      this.current = current;
      this.warmedUp = warmedUp;
      this.admin = admin;
      this.observability = observability;
    }

    @Override
    public int port() {
      return port;
    }

    @Override
    public Future<Void> warmedUp() {
      return warmedUp;
    }

    @Override
    public RouteTable routes() {
      return current.routes();
    }

    @Override
    public Observability observability() {
      return observability;
    }

    @Override
    public CompositionEngine engine() {
      return current.engine();
    }

    @Override
    public BffConfig config() {
      return current.bundle().config();
    }

    @Override
    public Security security() {
      return current.security();
    }

    @Override
    public synchronized Future<Void> reload(ClientBundle next) {
      Future<Void> run = reloading.transform(x -> swapTo(next));
      reloading = run.otherwiseEmpty();
      return run;
    }

    /**
     * Builds the next generation on a worker (schema and screens are parsed there, never on an event loop), then
     * swaps every event loop's pipeline to it. What only a restart can change is refused, and the old config keeps
     * serving. The old generation's auth key fetchers and limiter close after the drain grace, when the requests
     * started on it have ended.
     */
    private Future<Void> swapTo(ClientBundle next) {
      Generation old = current;
      if (next.equals(old.bundle())) return Future.succeededFuture();
      String restart = Reload.restartNeeded(old.bundle().config(), next.config());
      if (restart != null) {
        return Future.failedFuture(new ConfigException("bff.yaml", 0, restart + " cannot change while running; restart to apply"));
      }
      BffConfig nc = next.config();
      BffConfig oc = old.bundle().config();
      return vertx.executeBlocking(() -> {
        CompositionEngine engine = CompositionEngine.create(next);
        RouteTable routes = Routes.compile(next, engine, old.routes());
        Observers.checkRoutes(nc, routes);
        return new Generation(next, engine, routes, null, null);
      }, false).compose(g -> {
        g.engine().bindMetrics(observability.metrics().registry());
        g.engine().shareRegistrations(apq);
        g.engine().useFieldCache(fieldCache);
        Security security = nc.auth().equals(oc.auth()) ? old.security()
            : nc.auth().enabled() ? Security.create(vertx, nc.auth(), keys == null ? null : keys.dynamic(),
                observability.metrics().registry(), nc.fleet()).start() : null;
        Future<RateLimiting> limiting = nc.rateLimits().equals(oc.rateLimits()) ? Future.succeededFuture(old.rateLimiting())
            : !nc.rateLimits().enabled() ? Future.succeededFuture()
            : RateLimiting.start(vertx, nc, observability.metrics().registry());
        // New and changed services are built and started (discovery's first answer in) before anything swaps.
        Future<UpstreamRegistry.Change> services = nc.services().equals(oc.services()) ? Future.succeededFuture()
            : limiting.compose(l -> registry.prepare(nc.services()).onFailure(e -> {
              // Refused: what this reload started stops again; the old generation keeps serving.
              if (l != null && l != old.rateLimiting()) l.close();
              if (security != null && security != old.security()) security.close();
            }));
        return Future.all(limiting, services).compose(x -> {
          RateLimiting l = limiting.result();
          UpstreamRegistry.Change change = services.result();
          Generation ready = new Generation(next, g.engine(), g.routes(), security, l);
          if (l != null && l != old.rateLimiting()) readiness.check("ratelimit", l::degraded, l::refusing);
          if (l == null) readiness.remove("ratelimit");
          if (change != null) registry.commit(change, oc.server().shutdownGrace().toMillis() + 1000);
          List<Future<Void>> swaps = new ArrayList<>();
          for (BffServer s : servers) swaps.add(s.swap(nc, ready.engine(), ready.routes(), security, l, change != null));
          return Future.all(swaps).map(y -> ready);
        });
      }).map(ready -> {
        current = ready;
        if (admin != null) admin.routes(ready.routes());
        long grace = oc.server().shutdownGrace().toMillis() + 1000;
        vertx.setTimer(grace, t -> {
          if (old.security() != null && old.security() != ready.security()) old.security().close();
          if (old.rateLimiting() != null && old.rateLimiting() != ready.rateLimiting()) old.rateLimiting().close();
        });
        dryRun(vertx, ready.engine());
        return null;
      });
    }

    @Override
    public Future<Void> close() {
      Generation g = current;
      if (reloader != null) reloader.close();
      // The admin listener stays up while the client listener drains (readyz says DRAINING).
      return vertx.undeploy(deployment).andThen(ar -> {
        registry.close();
        if (g.security() != null) g.security().close();
      }).eventually(() -> g.rateLimiting() == null ? Future.succeededFuture() : g.rateLimiting().close())
          .eventually(() -> keys == null ? Future.succeededFuture() : keys.close())
          .andThen(ar -> {
            if (apq != null) apq.close();
          })
          .eventually(fieldCache::close)
          .eventually(() -> admin == null ? Future.succeededFuture() : admin.close())
          .eventually(() -> observability.close(vertx));
    }

    @Override
    public int adminPort() {
      return admin == null ? -1 : admin.port();
    }

    @Override
    public UpstreamRegistry upstreams() {
      return registry;
    }
  }
}
