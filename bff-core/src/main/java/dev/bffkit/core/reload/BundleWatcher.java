package dev.bffkit.core.reload;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Notices that a client folder changed: every {@code interval} its {@link BundleFingerprint} is
 * taken on a worker (never an event loop) and {@code onChange} runs once a new fingerprint has
 * held for one whole interval. That debounce lets an editor write several files, or a big file
 * land in pieces, before anything reloads; it also covers write-temp-then-rename and the ConfigMap
 * {@code ..data} symlink swap, since only content counts, not events. A change is seen within two
 * intervals (about 0.5 s at 250 ms). Checks never overlap: the next is scheduled when one ends.
 */
public final class BundleWatcher {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.reload");

  private final Vertx vertx;
  private final Path dir;
  private final long intervalMillis;
  private final Runnable onChange;
  /** The fingerprint last reported (or the baseline); null until the first look ends. */
  private volatile String seen;
  /** A new fingerprint seen once, waiting to hold for an interval; only the check chain touches it. */
  private String candidate;
  private volatile boolean closed;
  private volatile long timer = -1;

  private BundleWatcher(Vertx vertx, Path dir, long intervalMillis, Runnable onChange) {
    this.vertx = vertx;
    this.dir = dir;
    this.intervalMillis = intervalMillis;
    this.onChange = onChange;
  }

  /**
   * Starts watching; the first look, on a worker (this returns at once), is the baseline: what
   * the folder holds then is not a change.
   */
  public static BundleWatcher start(Vertx vertx, Path dir, Duration interval, Runnable onChange) {
    BundleWatcher w = new BundleWatcher(vertx, dir, Math.max(10, interval.toMillis()), onChange);
    vertx.executeBlocking(() -> BundleFingerprint.of(dir), false).onComplete(ar -> {
      if (ar.succeeded()) w.seen = ar.result();
      w.schedule();
    });
    return w;
  }

  /**
   * Starts watching with no baseline: the first stable look is reported too, so whoever compares
   * it with what is served (the {@link Reloader}) cannot miss a change made before the watch began.
   */
  static BundleWatcher startUnseen(Vertx vertx, Path dir, Duration interval, Runnable onChange) {
    BundleWatcher w = new BundleWatcher(vertx, dir, Math.max(10, interval.toMillis()), onChange);
    w.schedule();
    return w;
  }

  /** Hex version of what was last seen (reported or baseline); null before the first look. */
  public String fingerprint() {
    return seen;
  }

  public void close() {
    closed = true;
    vertx.cancelTimer(timer);
  }

  private void schedule() {
    if (!closed) timer = vertx.setTimer(intervalMillis, id -> check());
  }

  private void check() {
    vertx.executeBlocking(() -> BundleFingerprint.of(dir), false).onComplete(ar -> {
      if (closed) return;
      if (ar.succeeded()) {
        observe(ar.result());
      } else {
        candidate = null; // unreadable mid-change: start the debounce again
        LOG.log(Level.FINE, () -> "event=bundle_watch_failed dir=" + dir + " error=" + ar.cause());
      }
      schedule();
    });
  }

  private void observe(String now) {
    if (now.equals(seen)) {
      candidate = null; // changed and changed back: nothing to do
    } else if (now.equals(candidate)) {
      seen = now;
      candidate = null;
      try {
        onChange.run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "event=bundle_watch_callback_failed dir=" + dir + " error=" + e, e);
      }
    } else {
      candidate = now;
    }
  }
}
