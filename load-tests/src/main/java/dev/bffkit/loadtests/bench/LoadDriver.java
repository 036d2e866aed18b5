package dev.bffkit.loadtests.bench;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * HTTP/1.1 load driver on its own small Vert.x instance.
 *
 * <p>Each event loop runs one worker that owns a share of the keep-alive connections (opened up
 * front, no pipelining: one request in flight per connection) and a share of the rate. Workers
 * are single-threaded: no locks, one histogram each, merged at the end.
 *
 * <ul>
 *   <li><b>Open model</b>: a pacer thread releases requests on a fixed schedule (sub-millisecond,
 *       parkNanos); a request that finds no free connection waits in the worker's backlog. Latency
 *       runs from the <em>intended</em> send time, so a stalled server shows up as latency rather
 *       than as fewer samples (no coordinated omission).
 *   <li><b>Closed model</b>: every connection sends its next request as soon as the previous one
 *       has answered; latency runs from the actual send.
 * </ul>
 *
 * A warm-up phase runs the same load unrecorded. A run is bounded: it ends at warm-up + duration +
 * drain timeout at the latest; requests still unanswered then count as errors.
 */
public final class LoadDriver implements AutoCloseable {
  /** One hour in microseconds, 3 significant digits. */
  public static final long HIGHEST_US = 3_600_000_000L;

  private final Vertx vertx;
  private final int loops;
  private volatile Run current;

  public LoadDriver(int eventLoops) {
    this.loops = Math.max(1, eventLoops);
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setWorkerPoolSize(2)
        .setInternalBlockingPoolSize(2).setBlockedThreadCheckInterval(10_000));
  }

  public static Histogram newHistogram() {
    return new Histogram(HIGHEST_US, 3);
  }

  /** Runs one measurement, blocking the calling (non Vert.x) thread. */
  public LoadResult run(LoadSpec spec) {
    return start(spec).await();
  }

  /** Live counters of the running measurement (for the progress bar); null when idle. */
  public Live live() {
    Run r = current;
    if (r == null) return null;
    long done = 0, errors = 0;
    for (Worker w : r.workers) {
      done += w.liveDone;
      errors += w.liveErrors;
    }
    long t0 = r.t0;
    double elapsed = t0 == 0 ? 0 : Math.max(0, (System.nanoTime() - t0) / 1e9);
    return new Live(r.spec.system(), elapsed, (r.spec.warmup().toNanos() + r.spec.duration().toNanos()) / 1e9, done, errors,
        elapsed > 0 ? done / elapsed : 0);
  }

  /** Progress of the running measurement: elapsed and total seconds (warm-up included). */
  public record Live(String system, double elapsed, double total, long done, long errors, double rate) {}

  public Future<LoadResult> start(LoadSpec spec) {
    return start(spec, null);
  }

  /**
   * Hooks into one run, for measuring the system under test around the load: {@link
   * #afterConnect} runs on a worker thread once every connection is open and before any request
   * (e.g. a heap probe with N idle connections); {@link #windowStart} and {@link #windowEnd} run on
   * a helper thread at the start and end of the recorded window (e.g. CPU time samples).
   */
  public interface Probe {
    default void afterConnect(int opened) throws Exception {}

    default void windowStart() {}

    default void windowEnd() {}
  }

  /** Like {@link #start(LoadSpec)} with a probe (null for none). */
  public Future<LoadResult> start(LoadSpec spec, Probe probe) {
    Run run = new Run(spec, probe);
    current = run;
    return run.start().andThen(ar -> current = null);
  }

  @Override
  public void close() {
    vertx.close().await();
  }

  /** One measurement across all workers. */
  private final class Run {
    final LoadSpec spec;
    final Probe probe;
    final List<Worker> workers = new ArrayList<>();
    final HttpClientAgent client;
    volatile long t0;
    long warmEnd;
    long end;

    Run(LoadSpec spec, Probe probe) {
      this.spec = spec;
      this.probe = probe;
      this.client = vertx.createHttpClient(new HttpClientOptions()
          .setKeepAlive(true).setPipelining(false).setTcpNoDelay(true).setTcpQuickAck(false)
          .setConnectTimeout(5000).setIdleTimeout(0).setMaxInitialLineLength(4096));
      int w = Math.min(loops, spec.connections());
      for (int i = 0; i < w; i++) {
        int conns = spec.connections() / w + (i < spec.connections() % w ? 1 : 0);
        double rate = spec.rate() * conns / spec.connections();
        workers.add(new Worker(this, ((VertxInternal) vertx).createEventLoopContext(), conns, rate));
      }
    }

    Future<LoadResult> start() {
      List<Future<Void>> ready = new ArrayList<>();
      for (Worker w : workers) ready.add(w.connectAll());
      return Future.all(ready).compose(v -> {
        long connected = workers.stream().mapToLong(w -> w.open).sum();
        if (connected == 0) {
          return Future.failedFuture("no connection to " + spec.host() + ":" + spec.port() + " could be opened");
        }
        if (probe == null) return Future.succeededFuture();
        return vertx.executeBlocking(() -> {
          probe.afterConnect((int) connected);
          return null;
        }, false).mapEmpty();
      }).compose(v -> {
        t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
        warmEnd = t0 + spec.warmup().toNanos();
        end = warmEnd + spec.duration().toNanos();
        List<Future<Void>> done = new ArrayList<>();
        for (Worker w : workers) done.add(w.go());
        if (spec.isOpen()) {
          Thread pacer = new Thread(this::pace, "load-pacer");
          pacer.setDaemon(true);
          pacer.start();
        }
        if (probe != null) {
          Thread window = new Thread(() -> {
            sleepUntil(warmEnd);
            probe.windowStart();
            sleepUntil(end);
            probe.windowEnd();
          }, "load-probe");
          window.setDaemon(true);
          window.start();
        }
        return Future.all(done);
      }).transform(ar -> {
        Histogram h = newHistogram();
        long req = 0, err = 0;
        Map<String, Long> kinds = new HashMap<>();
        for (Worker w : workers) {
          h.add(w.histogram);
          req += w.requests;
          err += w.errors;
          w.errorKinds.forEach((k, n) -> kinds.merge(k, n, Long::sum));
        }
        List<Future<Void>> closing = new ArrayList<>();
        for (Worker w : workers) closing.add(w.closeAll());
        LoadResult r = LoadResult.of(spec, req, err, spec.duration().toNanos() / 1e9, h, kinds);
        boolean failed = ar.failed();
        Throwable cause = ar.cause();
        return Future.join(closing).transform(x -> client.close()).transform(x -> failed
            ? Future.failedFuture(cause) : Future.succeededFuture(r));
      });
    }

    private void sleepUntil(long nanoTime) {
      long wait;
      while ((wait = nanoTime - System.nanoTime()) > 0) LockSupport.parkNanos(wait);
    }

    /** Open model: releases each worker's requests on schedule until the end of the run. */
    private void pace() {
      long minPark = TimeUnit.MICROSECONDS.toNanos(50);
      while (true) {
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        boolean pending = false;
        for (Worker w : workers) {
          if (w.total == 0) continue;
          long due = Math.min(w.total, (long) Math.floor((now - t0) / w.intervalNs) + 1);
          if (due > w.released) {
            w.released = due;
            w.dueUpTo = due;
            if (w.pumpQueued.compareAndSet(false, true)) w.ctx.runOnContext(w.pump);
          }
          if (w.released < w.total) {
            pending = true;
            next = Math.min(next, t0 + (long) (w.released * w.intervalNs));
          }
        }
        if (!pending) return;
        long wait = next - System.nanoTime();
        LockSupport.parkNanos(Math.max(minPark, wait));
      }
    }
  }

  /** The connections and counters of one event loop. Every field below is touched on ctx only. */
  private static final class Worker {
    final Run run;
    final ContextInternal ctx;
    final int connections;
    final double intervalNs;
    final long total;
    final RequestOptions options;
    final ArrayDeque<Conn> free = new ArrayDeque<>();
    final List<Conn> all = new ArrayList<>();
    final Histogram histogram = newHistogram();
    final AtomicBoolean pumpQueued = new AtomicBoolean();
    final Handler<Void> pump = v -> pump();
    long[] backlog = new long[1024];
    int backHead, backSize;
    int open;
    long next; // index of the next scheduled request (open model)
    volatile long dueUpTo; // written by the pacer
    long released; // pacer-private
    long requests, errors, inflight;
    final Map<String, Long> errorKinds = new HashMap<>();
    volatile long liveDone, liveErrors;
    boolean stopping;
    int reconnects;
    Promise<Void> finished;

    Worker(Run run, ContextInternal ctx, int connections, double rate) {
      this.run = run;
      this.ctx = ctx;
      this.connections = connections;
      LoadSpec s = run.spec;
      this.intervalNs = rate > 0 ? 1e9 / rate : 0;
      this.total = rate > 0 ? (long) Math.floor((s.warmup().toNanos() + s.duration().toNanos()) / intervalNs) : 0;
      this.options = new RequestOptions().setMethod(HttpMethod.GET).setHost(s.host()).setPort(s.port())
          .setURI(s.path()).setIdleTimeout(s.timeout().toMillis());
      if (s.headers() != null) options.setHeaders(s.headers());
    }

    Future<Void> connectAll() {
      Promise<Void> p = Promise.promise();
      ctx.runOnContext(v -> {
        // at most 128 handshakes at a time, so 10k connections do not overflow the accept backlog
        int[] started = {0};
        int[] settled = {0};
        Handler<Void>[] more = new Handler[1];
        more[0] = x -> {
          while (started[0] < connections && started[0] - settled[0] < 128) {
            started[0]++;
            connect().onComplete(ar -> {
              settled[0]++;
              if (settled[0] == connections) p.tryComplete();
              else more[0].handle(null);
            });
          }
        };
        more[0].handle(null);
      });
      return p.future();
    }

    Future<Conn> connect() {
      LoadSpec s = run.spec;
      return run.client.connect(new HttpConnectOptions().setHost(s.host()).setPort(s.port()).setConnectTimeout(5000))
          .map(http -> {
            Conn c = new Conn(this, http);
            all.add(c);
            open++;
            http.closeHandler(v -> c.closed());
            return c;
          });
    }

    Future<Void> go() {
      finished = Promise.promise();
      ctx.runOnContext(v -> {
        for (Conn c : all) if (!c.dead) free.add(c);
        if (!run.spec.isOpen()) {
          long now = System.nanoTime();
          long wait = Math.max(0, run.t0 - now);
          // closed model: every connection starts together at t0, then runs back to back
          ctx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)), t -> {
            while (!free.isEmpty()) send(free.poll(), System.nanoTime());
          });
        } else if (total == 0) {
          stopping = true;
        }
        long untilEnd = TimeUnit.NANOSECONDS.toMillis(run.end - System.nanoTime()) + 1;
        ctx.setTimer(Math.max(1, untilEnd), t -> {
          stopping = true;
          checkDone();
          ctx.setTimer(Math.max(1, run.spec.drain().toMillis()), d -> drainExpired());
        });
      });
      return finished.future();
    }

    void pump() {
      pumpQueued.set(false);
      long due = dueUpTo;
      while (next < due) {
        long intended = run.t0 + (long) (next * intervalNs);
        next++;
        Conn c = free.poll();
        if (c != null) send(c, intended);
        else enqueue(intended);
      }
    }

    void enqueue(long intended) {
      if (backSize == backlog.length) {
        long[] bigger = new long[backlog.length * 2];
        for (int i = 0; i < backSize; i++) bigger[i] = backlog[(backHead + i) % backlog.length];
        backlog = bigger;
        backHead = 0;
      }
      backlog[(backHead + backSize) % backlog.length] = intended;
      backSize++;
    }

    void send(Conn c, long intended) {
      c.intended = intended;
      c.busy = true;
      inflight++;
      c.http.request(options).onComplete(c.onRequest);
    }

    /** A request finished on c (status -1: failed); c is reusable unless it died. */
    void completed(Conn c, int status) {
      inflight--;
      c.busy = false;
      long now = System.nanoTime();
      boolean ok = status >= 200 && status < 300;
      liveDone++;
      if (!ok) liveErrors++;
      if (c.intended >= run.warmEnd && c.intended < run.end) {
        requests++;
        if (ok) {
          histogram.recordValue(Math.min(HIGHEST_US, Math.max(1, (now - c.intended) / 1000)));
        } else {
          errors++;
          errorKinds.merge(status > 0 ? "HTTP " + status : c.failure, 1L, Long::sum);
        }
      }
      if (c.dead) {
        replace();
      } else if (backSize > 0) {
        long intended = backlog[backHead];
        backHead = (backHead + 1) % backlog.length;
        backSize--;
        send(c, intended);
      } else if (!run.spec.isOpen() && now < run.end && !stopping) {
        send(c, now);
      } else {
        free.add(c);
      }
      checkDone();
    }

    void connectionClosed(Conn c) {
      if (c.dead) return;
      c.dead = true;
      open--;
      free.remove(c);
      if (!c.busy) replace();
    }

    /** Opens a replacement for a connection the server closed, while the run lasts (bounded). */
    void replace() {
      if (stopping || finished == null || reconnects >= 10 * connections + 100) return;
      reconnects++;
      ctx.setTimer(10, t -> {
        if (stopping) return;
        connect().onComplete(ar -> {
          if (ar.failed()) {
            replace();
            return;
          }
          Conn c = ar.result();
          if (backSize > 0) {
            long intended = backlog[backHead];
            backHead = (backHead + 1) % backlog.length;
            backSize--;
            send(c, intended);
          } else if (!run.spec.isOpen() && !stopping) {
            send(c, System.nanoTime());
          } else {
            free.add(c);
          }
        });
      });
    }

    void checkDone() {
      if (finished == null || !stopping) return;
      boolean allSent = !run.spec.isOpen() || next >= total;
      if (allSent && inflight == 0 && backSize == 0) finished.tryComplete();
    }

    void drainExpired() {
      if (finished.future().isComplete()) return;
      // whatever is still queued or in flight now counts as a timeout
      long lost = inflight + backSize + (run.spec.isOpen() ? total - next : 0);
      requests += lost;
      errors += lost;
      if (lost > 0) errorKinds.merge("unanswered at the drain's end", lost, Long::sum);
      inflight = 0;
      backSize = 0;
      next = total;
      finished.tryComplete();
    }

    Future<Void> closeAll() {
      Promise<Void> p = Promise.promise();
      ctx.runOnContext(v -> {
        List<Future<Void>> closing = new ArrayList<>();
        for (Conn c : all) if (!c.dead) closing.add(c.http.close());
        all.clear();
        free.clear();
        Future.join(closing).onComplete(x -> p.complete());
      });
      return p.future();
    }
  }

  /** One keep-alive connection with its pre-built handlers (no per-request lambdas). */
  private static final class Conn {
    final Worker w;
    final HttpClientConnection http;
    long intended;
    int status;
    /** Why the last request failed without a status (the exception's class). */
    String failure;
    boolean busy;
    boolean dead;

    final Handler<AsyncResult<HttpClientRequest>> onRequest;
    final Handler<AsyncResult<HttpClientResponse>> onResponse;
    final Handler<AsyncResult<Void>> onEnd;

    Conn(Worker w, HttpClientConnection http) {
      this.w = w;
      this.http = http;
      this.onEnd = ar -> w.completed(this, ar.succeeded() ? status : failed(ar.cause()));
      this.onResponse = ar -> {
        if (ar.failed()) {
          w.completed(this, failed(ar.cause()));
          return;
        }
        HttpClientResponse resp = ar.result();
        status = resp.statusCode();
        resp.end().onComplete(onEnd); // no data handler: the body is read and dropped
      };
      this.onRequest = ar -> {
        if (ar.failed()) w.completed(this, failed(ar.cause()));
        else ar.result().send().onComplete(onResponse);
      };
    }

    /** Notes why a request failed (error paths only) and returns the status that says "no answer". */
    int failed(Throwable cause) {
      failure = cause == null ? "failed" : cause.getClass().getSimpleName() + (cause.getMessage() == null ? ""
          : ": " + cause.getMessage().lines().findFirst().orElse(""));
      return -1;
    }

    void closed() {
      w.connectionClosed(this);
    }
  }
}
