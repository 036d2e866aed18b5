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
import java.util.ArrayList;
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
    List<FilterCall> calls = new ArrayList<>(filters.size());
    FilterRun run = new FilterRun(ex, calls);
    for (FilterModule m : filters) {
      FilterCall c = start(run, m);
      if (c == null) {
        if (m.config.failure() == WasmFilterConfig.Failure.OPEN) continue;
        run.finish();
        ex.fail(503, "filter_failed", "filter " + m.name() + " failed");
        ex.request().resume(); // let an unread body drain: a paused request stalls its keep-alive connection
        return;
      }
      calls.add(c);
    }
    Cancellation.watch(ex).onCancel(run::finish);
    HttpServerRequest req = ex.request();
    boolean body = hasBody(req) && ex.route().kind() != RouteKind.GRPC_WEB;
    if (!run.requestHeaders(!body)) return;
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

  /** The filter's context for this request on this loop's instance; null when the filter cannot run now. */
  private FilterCall start(FilterRun run, FilterModule m) {
    Pool pool = pools.computeIfAbsent(m, k -> new Pool());
    if (pool.vm == null || pool.vm.broken()) {
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
        return null;
      }
    }
    FilterCall c = new FilterCall(run, pool.vm);
    try {
      c.id = pool.vm.newContext(c);
    } catch (FilterFailure f) {
      m.meters(registry).failed(f, run.exchange().logIds(), "");
      return null;
    }
    return c;
  }
}
