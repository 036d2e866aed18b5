package dev.bffkit.core.wasm;

import dev.bffkit.core.config.WasmFilterConfig;
import dev.bffkit.core.pipeline.BodyReader;
import dev.bffkit.core.pipeline.Cancellation;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Stage;
import dev.bffkit.core.route.RouteKind;
import dev.bffkit.core.route.RoutePolicy;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Runs a route's Proxy-Wasm filters ({@link RoutePolicy#wasm()}); routes without any pass
 * straight through. One stage per event loop, holding that loop's instance of each filter: instances are made on
 * first use and replaced after a crash, at most {@value #MAX_RESTARTS} times a second per filter (the spec's crash
 * loop guard); past that the filter counts as failed for the rest of the second. After auth and rate limits (a
 * refused caller costs no filter time; filters read the verified principal), before the mirror and the target.
 */
public final class WasmStage implements Stage {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.wasm");
  static final int MAX_RESTARTS = 10;

  private final MeterRegistry registry;
  private final Map<FilterModule, Pool> pools = new IdentityHashMap<>();
  private FilterModule lastModule;
  private Pool lastPool;

  public WasmStage(MeterRegistry registry) {
    this.registry = registry;
  }

  /** This loop's instance of one filter, and its restarts in the current second. */
  private static final class Pool {
    FilterVm vm;
    long windowStart;
    int restarts;
  }

  @Override
  public void handle(Exchange ex, Next next) {
    List<FilterModule> filters = ex.route().policy().wasm();
    if (filters.isEmpty()) {
      next.proceed(ex);
      return;
    }
    FilterRun run = new FilterRun(ex, filters.size());
    for (int i = 0; i < filters.size(); i++) {
      FilterModule m = filters.get(i);
      FilterVm vm = instance(run, m);
      if (vm == null) {
        if (m.config.failure() == WasmFilterConfig.Failure.OPEN) continue;
        run.finish();
        ex.fail(503, "filter_failed", "filter " + m.name() + " failed");
        ex.request().resume(); // let an unread body drain: a paused request stalls its keep-alive connection
        return;
      }
      run.add(new FilterCall(run, vm)); // its context is created with the request-headers callback
    }
    Cancellation.watch(ex).onCancel(run::finish);
    HttpServerRequest req = ex.request();
    boolean body = hasBody(req) && ex.route().kind() != RouteKind.GRPC_WEB;
    if (!run.requestHeaders(!body)) { // answered: a local response, a closed stream or a filter failing closed
      req.resume(); // let an unread body drain, as above
      return;
    }
    ex.answerFilter(run);
    if (!body || !run.wantsRequestBody()) {
      next.proceed(ex);
      return;
    }
    BodyReader.whole(ex).onSuccess(read -> {
      Buffer rewritten = run.requestBody(read);
      if (rewritten == null) return;
      if (rewritten.length() != read.length() || req.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
        req.headers().remove(HttpHeaders.TRANSFER_ENCODING);
        req.headers().set(HttpHeaders.CONTENT_LENGTH, Integer.toString(rewritten.length()));
      }
      ex.readBody(rewritten);
      next.proceed(ex);
    });
  }

  private static boolean hasBody(HttpServerRequest req) {
    long declared = BodyReader.declaredLength(req);
    return declared > 0 || declared == BodyReader.MALFORMED || req.headers().contains(HttpHeaders.TRANSFER_ENCODING);
  }

  /** This loop's instance of filter {@code m}, made when there is none or it broke; null when it cannot run now. */
  private FilterVm instance(FilterRun run, FilterModule m) {
    Pool pool = pool(m);
    if (pool.vm != null && !pool.vm.broken()) return pool.vm;
    long now = System.nanoTime();
    if (now - pool.windowStart > 1_000_000_000L) {
      pool.windowStart = now;
      pool.restarts = 0;
    }
    if (pool.restarts >= MAX_RESTARTS) {
      // counted on every refused request, logged once a window (a crash loop must not flood the log)
      m.meters(registry).failure("instantiate", "crash_loop");
      if (pool.restarts++ == MAX_RESTARTS) {
        LOG.warning("event=wasm_filter_failed filter=" + m.name() + " callback=instantiate kind=crash_loop "
            + run.exchange().logIds() + " error=\"" + MAX_RESTARTS + " instances this second; the filter fails"
            + " until the next\"");
      }
      return null;
    }
    pool.restarts++;
    m.meters(registry).instance();
    try {
      pool.vm = FilterVm.create(m, CallbackWatchdog.get().guard(), m.meters(registry));
    } catch (FilterFailure f) {
      pool.vm = null;
      m.meters(registry).failed(f, run.exchange().logIds(), "");
    }
    return pool.vm;
  }

  /** The pool of {@code m}; the last one looked up is kept aside (a route mostly has one filter: no hashing). */
  private Pool pool(FilterModule m) {
    if (m == lastModule) return lastPool;
    Pool p = pools.computeIfAbsent(m, k -> new Pool());
    lastModule = m;
    lastPool = p;
    return p;
  }
}
