package dev.bffkit.core.reload;

import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.observe.JsonText;
import dev.bffkit.core.reload.ReloadResult.Outcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Takes a client folder's new version: reads its {@link BundleFingerprint}, and when that differs
 * from the version served, loads and validates it ({@code load}, on a worker: it reads files and
 * throws {@link ConfigException} when invalid) and hands the bundle to {@code apply} (the swap).
 * An invalid folder is REFUSED with the file:line error and the old config keeps serving.
 *
 * <p>One reload runs at a time: requests made while one runs share a single further run after it
 * (a burst of file events and admin calls costs at most two loads). Every attempt is one log line
 * {@code event=config_reload} and an entry in the history (last {@value #HISTORY}, newest first),
 * shown on the admin listener by {@link #mount}.
 *
 * <p>The first load goes through {@code reload("start")} too, so the served version is known;
 * until then {@link #version()} is null and any folder counts as new.
 */
public final class Reloader {
  public static final int HISTORY = 50;
  /** The longest a swap may take before the reload counts as FAILED. */
  static final long APPLY_TIMEOUT_SECONDS = 60;
  private static final Logger LOG = Logger.getLogger("dev.bffkit.reload");
  private static final String JSON = "application/json";

  private final Vertx vertx;
  private final Path dir;
  private final Function<Path, ClientBundle> load;
  private final Function<ClientBundle, Future<Void>> apply;
  /** Guards running, queued, queuedTrigger and history: touched once per reload, never per request. */
  private final Object lock = new Object();
  private boolean running;
  private Promise<ReloadResult> queued;
  private String queuedTrigger;
  private final Deque<ReloadResult> history = new ArrayDeque<>();
  private volatile String version;
  private volatile String name;
  private volatile BundleWatcher watcher;

  public Reloader(Vertx vertx, Path dir, Function<Path, ClientBundle> load, Function<ClientBundle, Future<Void>> apply) {
    this.vertx = vertx;
    this.dir = dir;
    this.load = load;
    this.apply = apply;
    Path folder = dir.getFileName();
    this.name = folder == null ? dir.toString() : folder.toString();
  }

  /** A Reloader whose folder is watched: a change reloads with trigger {@code file}. Close it to stop. */
  public static Reloader watch(Vertx vertx, Path dir, Duration interval, Function<Path, ClientBundle> load,
      Function<ClientBundle, Future<Void>> apply) {
    return new Reloader(vertx, dir, load, apply).watch(interval);
  }

  /** Starts watching the folder (once): every change reloads it as {@code file}. */
  public Reloader watch(Duration interval) {
    if (watcher != null) throw new IllegalStateException("already watching " + dir);
    // Reported even on the first look, and compared with the version served rather than the
    // watcher's last look: a change made between the first load and the watch is not lost, and a
    // folder that went back to the served version does not reload.
    BundleWatcher[] w = new BundleWatcher[1];
    w[0] = BundleWatcher.startUnseen(vertx, dir, interval, () -> {
      if (!w[0].fingerprint().equals(version)) reload("file");
    });
    watcher = w[0];
    return this;
  }

  /**
   * Loads, validates and applies the folder if it is a new version. {@code trigger}: {@code file},
   * {@code admin} or {@code start}. Never fails: problems are a REFUSED or FAILED result.
   */
  public Future<ReloadResult> reload(String trigger) {
    synchronized (lock) {
      if (running) {
        if (queued == null) {
          queued = Promise.promise();
          queuedTrigger = trigger;
        }
        return queued.future(); // coalesced: one more run after this one serves every waiting caller
      }
      running = true;
    }
    return runThenNext(trigger);
  }

  /** The version served (hex fingerprint), null before the first applied reload. */
  public String version() {
    return version;
  }

  /** The most recent attempt, or null. */
  public ReloadResult last() {
    synchronized (lock) {
      return history.peekFirst();
    }
  }

  /** The last {@value #HISTORY} attempts, newest first. */
  public List<ReloadResult> history() {
    synchronized (lock) {
      return List.copyOf(history);
    }
  }

  /** Stops the watcher, if {@link #watch} started one. */
  public void close() {
    BundleWatcher w = watcher;
    if (w != null) w.close();
  }

  /**
   * Adds the config pages to the admin router (mount before the admin listener starts; its token
   * check runs first): {@code GET /config} (version, last reload), {@code GET /config/reloads}
   * (history, newest first) and {@code POST /config/reload} (200 APPLIED or UNCHANGED, 422 REFUSED,
   * 500 FAILED, the result as JSON).
   */
  public void mount(Router adminRouter) {
    adminRouter.get("/config").handler(ctx -> {
      ReloadResult last = last();
      json(ctx, 200, new JsonObject().put("bff", name).put("version", version)
          .put("last", last == null ? null : last.toJson()));
    });
    adminRouter.get("/config/reloads").handler(ctx -> {
      JsonArray reloads = new JsonArray();
      history().forEach(r -> reloads.add(r.toJson()));
      json(ctx, 200, new JsonObject().put("version", version).put("reloads", reloads));
    });
    adminRouter.post("/config/reload").handler(ctx -> reload("admin").onComplete(ar -> {
      if (ar.failed()) { // reload() maps every problem to a result; this is a bug, still a clear answer
        ctx.fail(ar.cause());
        return;
      }
      ReloadResult r = ar.result();
      int status = switch (r.outcome()) {
        case APPLIED, UNCHANGED -> 200;
        case REFUSED -> 422;
        case FAILED -> 500;
      };
      json(ctx, status, r.toJson());
    }));
  }

  private Future<ReloadResult> runThenNext(String trigger) {
    return run(trigger).andThen(done -> {
      Promise<ReloadResult> next;
      String nextTrigger;
      synchronized (lock) {
        next = queued;
        nextTrigger = queuedTrigger;
        queued = null;
        queuedTrigger = null;
        if (next == null) {
          running = false;
          return;
        }
      }
      runThenNext(nextTrigger).onComplete(next);
    });
  }

  /** What the worker found: a bundle to apply, or the outcome already decided. */
  private record Loaded(String version, ClientBundle bundle, Outcome outcome, String error) {}

  private Future<ReloadResult> run(String trigger) {
    long at = System.currentTimeMillis();
    long started = System.nanoTime();
    return vertx.executeBlocking(this::loadIfNew, false)
        .recover(e -> Future.succeededFuture(new Loaded(null, null, Outcome.FAILED, message(e))))
        .compose(loaded -> loaded.outcome() != null ? Future.succeededFuture(loaded) : swap(loaded))
        .map(done -> record(new ReloadResult(done.version(), trigger, done.outcome(), done.error(), at,
            (System.nanoTime() - started) / 1_000_000)));
  }

  /** On a worker: the fingerprint first (a change while loading is caught by the next reload), then the load. */
  private Loaded loadIfNew() {
    String v;
    try {
      v = BundleFingerprint.of(dir);
    } catch (IOException e) {
      return new Loaded(null, null, Outcome.FAILED, "cannot read " + dir + ": " + e);
    }
    if (v.equals(version)) {
      return new Loaded(v, null, Outcome.UNCHANGED, null);
    }
    try {
      ClientBundle bundle = load.apply(dir);
      if (bundle == null) return new Loaded(v, null, Outcome.FAILED, "the loader returned no bundle");
      return new Loaded(v, bundle, null, null);
    } catch (ConfigException e) {
      return new Loaded(v, null, Outcome.REFUSED, e.getMessage());
    } catch (RuntimeException e) {
      return new Loaded(v, null, Outcome.FAILED, message(e));
    }
  }

  private Future<Loaded> swap(Loaded loaded) {
    Future<Void> applied;
    try {
      applied = apply.apply(loaded.bundle());
    } catch (RuntimeException e) {
      applied = Future.failedFuture(e);
    }
    // Bounded, so a swap that never completes cannot block every later reload (one that ends after it is re-run by
    // the next change, whose version still differs, and finds the bundle already served).
    return applied.timeout(APPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS).transform(ar -> {
      if (ar.failed()) {
        // The swap may validate further (routes against services): its ConfigException is a refusal.
        Outcome o = ar.cause() instanceof ConfigException ? Outcome.REFUSED : Outcome.FAILED;
        return Future.succeededFuture(new Loaded(loaded.version(), null, o, message(ar.cause())));
      }
      version = loaded.version();
      name = loaded.bundle().config().name();
      return Future.succeededFuture(new Loaded(loaded.version(), null, Outcome.APPLIED, null));
    });
  }

  private ReloadResult record(ReloadResult r) {
    synchronized (lock) {
      history.addFirst(r);
      while (history.size() > HISTORY) history.removeLast();
    }
    StringBuilder line = new StringBuilder(160).append("event=config_reload bff=").append(name)
        .append(" trigger=").append(r.trigger()).append(" outcome=").append(r.outcome())
        .append(" version=").append(r.version()).append(" duration_ms=").append(r.durationMillis());
    if (r.error() != null) JsonText.string(line.append(" error="), r.error(), 1000, false);
    boolean bad = r.outcome() == Outcome.REFUSED || r.outcome() == Outcome.FAILED;
    LOG.log(bad ? Level.WARNING : Level.INFO, line.toString());
    return r;
  }

  private static String message(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body.toBuffer());
  }
}
