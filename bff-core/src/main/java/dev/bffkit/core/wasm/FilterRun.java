package dev.bffkit.core.wasm;

import dev.bffkit.core.config.WasmFilterConfig;
import dev.bffkit.core.pipeline.Exchange;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Logger;

/**
 * A request through its route's filters, as Envoy runs an HTTP filter chain: request callbacks in the order written,
 * response callbacks in reverse. Request headers, then the request body (read whole within the route's limit, given
 * once with end_of_stream), then - as the target answers through {@link Exchange#write}/{@link Exchange#end} - response
 * headers, the body chunk by chunk (a filter that pauses makes the rest accumulate, and sees it whole at the end),
 * trailers, and at the end on_done/on_log/on_delete. A local response answers at once; what the target still sends
 * is dropped. A failed callback fails the request open (the filter is skipped from then on) or closed (503 before the
 * answer has begun, a reset after), is counted and logged with the filter's name.
 *
 * <p>A filter that changes a streamed body's length must drop content-length in on_response_headers, as on Envoy:
 * if it does not and the head has gone out, the answer is reset rather than sent with a wrong length.
 */
final class FilterRun implements Exchange.AnswerFilter {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.wasm");
  private static final int MAX_PROPERTIES = 64;

  private final Exchange ex;
  /** The filters' contexts, in the order written ({@code n} of them): an array, the loops allocate no iterator. */
  private final FilterCall[] calls;
  private int n;
  private Map<String, byte[]> properties;
  private byte[] requestBody;
  private byte[] responseBody;
  /** Answer chunks not yet given to the filters (while one is paused); null when none. */
  private Buffer held;
  private HeaderView requestHeaders;
  private HeaderView responseHeaders;
  private boolean inResponse;
  private boolean headersDone;
  private boolean buffering;
  private boolean started;
  private boolean over;
  private boolean finished;
  /** The length declared in the head as sent (-1: none or not sent yet), and the body bytes sent since. */
  private long declared = -1;
  private long sent;
  private boolean headSent;

  /** A run for up to {@code filters} filters; {@link #add} their contexts. */
  FilterRun(Exchange ex, int filters) {
    this.ex = ex;
    this.calls = new FilterCall[filters];
  }

  void add(FilterCall c) {
    calls[n++] = c;
  }

  Exchange exchange() {
    return ex;
  }

  boolean inResponse() {
    return inResponse;
  }

  byte[] requestBody() {
    return requestBody;
  }

  void requestBody(byte[] b) {
    requestBody = b;
  }

  byte[] responseBody() {
    return inResponse ? responseBody : null;
  }

  void responseBody(byte[] b) {
    responseBody = b;
  }

  byte[] property(String path) {
    return properties == null ? null : properties.get(path);
  }

  boolean setProperty(String path, byte[] value) {
    if (properties == null) properties = new HashMap<>(4);
    if (!properties.containsKey(path) && properties.size() >= MAX_PROPERTIES) return false;
    properties.put(path, value);
    return true;
  }

  HeaderView map(int type) {
    switch (type) {
      case Abi.HTTP_REQUEST_HEADERS:
        if (requestHeaders == null) requestHeaders = HeaderView.request(ex.request());
        return requestHeaders;
      case Abi.HTTP_REQUEST_TRAILERS:
        return HeaderView.readOnly(MultiMap.caseInsensitiveMultiMap()); // the server gives handlers no request trailers
      case Abi.HTTP_RESPONSE_HEADERS:
        if (!inResponse) return null;
        if (responseHeaders == null) responseHeaders = HeaderView.response(ex.response());
        return responseHeaders;
      case Abi.HTTP_RESPONSE_TRAILERS:
        return inResponse ? HeaderView.of(ex.response().trailers()) : null;
      default:
        return null;
    }
  }

  // ---- request

  /**
   * Runs the request header callbacks; false when the request was answered (a local response, a closed stream or a
   * filter failing closed) and must go no further.
   */
  boolean requestHeaders(boolean endOfStream) {
    int count = -1;
    for (int i = 0; i < n; i++) {
      FilterCall c = calls[i];
      if (c.skipped) continue;
      if (count < 0) count = map(Abi.HTTP_REQUEST_HEADERS).size();
      try {
        c.vm.requestHeaders(c, count, endOfStream);
      } catch (FilterFailure f) {
        if (failed(c, f)) return false;
        continue;
      }
      if (answeredBy(c)) return false;
    }
    return true;
  }

  /** Whether any filter reads request bodies. */
  boolean wantsRequestBody() {
    for (int i = 0; i < n; i++) if (!calls[i].skipped && calls[i].vm.readsRequestBody()) return true;
    return false;
  }

  /** The request body callbacks; the body as rewritten, or null when the request was answered. */
  Buffer requestBody(Buffer body) {
    requestBody = body.getBytes();
    for (int i = 0; i < n; i++) {
      FilterCall c = calls[i];
      if (c.skipped) continue;
      try {
        c.vm.requestBody(c, requestBody.length);
      } catch (FilterFailure f) {
        if (failed(c, f)) return null;
        continue;
      }
      if (answeredBy(c)) return null;
    }
    return Buffer.buffer(requestBody);
  }



  // ---- response (Exchange.AnswerFilter)

  @Override
  public boolean started() {
    return started;
  }

  @Override
  public Future<Void> write(Buffer chunk) {
    started = true;
    if (over) return Future.succeededFuture();
    if (!headersDone && !responseHeaders(false)) return Future.succeededFuture();
    if (passesBody()) return send(chunk, false);
    append(chunk);
    if (buffering) return Future.succeededFuture(); // held: the paused filter sees it with the rest at the end
    if (!responseBody(false)) return Future.succeededFuture();
    if (buffering) return Future.succeededFuture();
    return flush(false);
  }

  @Override
  public Future<Void> end(Buffer last) {
    started = true;
    if (over) return Future.succeededFuture();
    boolean noBody = !headSent && responseBody == null && held == null && (last == null || last.length() == 0);
    if (!headersDone && !responseHeaders(noBody)) return Future.succeededFuture();
    boolean passed = passesBody();
    if (!passed) {
      if (last != null && last.length() > 0) append(last);
      if (!noBody && !responseBody(true)) return Future.succeededFuture();
    }
    HttpServerResponse resp = ex.response();
    if (readsTrailers() && !resp.trailers().isEmpty() && !responseTrailers()) return Future.succeededFuture();
    return passed ? send(last, true) : flush(true);
  }

  /**
   * True when no filter of this request reads response bodies (say a header-only filter) and none holds a part of it:
   * the chunks then go out as they came, not copied into the filters' byte[] and back (issue 18's profile).
   */
  private boolean passesBody() {
    if (responseBody != null || held != null) return false;
    for (int i = 0; i < n; i++) if (!calls[i].skipped && calls[i].vm.readsResponseBody()) return false;
    return true;
  }

  /** Whether a filter of this request reads response trailers: Vert.x makes a trailers map when asked for one. */
  private boolean readsTrailers() {
    for (int i = 0; i < n; i++) if (!calls[i].skipped && calls[i].vm.readsResponseTrailers()) return true;
    return false;
  }

  /** Chunks gather in a Buffer (amortised copies); the filters' byte[] is made once, when a callback reads it. */
  private void append(Buffer chunk) {
    if (held == null) held = Buffer.buffer(Math.max(chunk.length(), 1024));
    held.appendBuffer(chunk);
  }

  /** What the filters have seen, then what has been held since, as one byte[]. */
  private void takeHeld() {
    if (held == null) return;
    byte[] b = held.getBytes();
    held = null;
    if (responseBody == null || responseBody.length == 0) {
      responseBody = b;
      return;
    }
    byte[] joined = new byte[responseBody.length + b.length];
    System.arraycopy(responseBody, 0, joined, 0, responseBody.length);
    System.arraycopy(b, 0, joined, responseBody.length, b.length);
    responseBody = joined;
  }

  private boolean responseHeaders(boolean endOfStream) {
    inResponse = true;
    headersDone = true;
    int count = -1;
    for (int i = n - 1; i >= 0; i--) {
      FilterCall c = calls[i];
      if (c.skipped) continue;
      if (count < 0) count = map(Abi.HTTP_RESPONSE_HEADERS).size();
      try {
        c.vm.responseHeaders(c, count, endOfStream);
      } catch (FilterFailure f) {
        if (failed(c, f)) return false;
        continue;
      }
      if (answeredBy(c)) return false;
    }
    return true;
  }

  /** The body so far through the response filters; false when the answer was replaced. */
  private boolean responseBody(boolean endOfStream) {
    takeHeld();
    if (responseBody == null) responseBody = new byte[0];
    buffering = false;
    for (int i = n - 1; i >= 0; i--) {
      FilterCall c = calls[i];
      if (c.skipped || !c.vm.readsResponseBody()) continue;
      int action;
      try {
        action = c.vm.responseBody(c, responseBody.length, endOfStream);
      } catch (FilterFailure f) {
        if (failed(c, f)) return false;
        continue;
      }
      if (answeredBy(c)) return false;
      if (action != Abi.CONTINUE && !endOfStream) {
        buffering = true; // it wants to see more: the rest accumulates until the end
        return true;
      }
    }
    return true;
  }

  private boolean responseTrailers() {
    for (int i = n - 1; i >= 0; i--) {
      FilterCall c = calls[i];
      if (c.skipped) continue;
      try {
        c.vm.responseTrailers(c, ex.response().trailers().size());
      } catch (FilterFailure f) {
        if (failed(c, f)) return false;
        continue;
      }
      if (answeredBy(c)) return false;
    }
    return true;
  }

  /** Sends what the filters let through; at the end, the last of it and the end. */
  private Future<Void> flush(boolean end) {
    takeHeld();
    byte[] out = responseBody;
    responseBody = null;
    return send(out == null || out.length == 0 ? null : Buffer.buffer(out), end);
  }

  /** Sends {@code out} (null: nothing) and, with {@code end}, the end; the head goes out with the first of it. */
  private Future<Void> send(Buffer out, boolean end) {
    HttpServerResponse resp = ex.response();
    int length = out == null ? 0 : out.length();
    if (!headSent) {
      headSent = true;
      // as the filters left it (the response view noted it while counting the fields for their callback)
      String cl = responseHeaders != null ? responseHeaders.contentLength() : resp.headers().get(HttpHeaders.CONTENT_LENGTH);
      if (end && !resp.isChunked()) {
        // the whole body is known: its length is what the filters made of it
        if (cl != null) resp.headers().set(HttpHeaders.CONTENT_LENGTH, Integer.toString(length));
      } else if (cl != null) {
        try {
          declared = Long.parseLong(cl.trim());
        } catch (NumberFormatException e) {
          declared = -1;
        }
      } else if (!resp.isChunked() && !end) {
        resp.setChunked(true);
      }
    }
    sent += length;
    if (declared >= 0 && (sent > declared || (end && sent != declared))) {
      fail(null, "the body's length changed but content-length was kept; drop it in on_response_headers");
      return Future.succeededFuture();
    }
    Future<Void> f;
    if (end) {
      f = ex.endOut(length == 0 ? null : out);
      over = true;
      finish();
    } else {
      f = length == 0 ? Future.succeededFuture() : ex.writeOut(out);
    }
    return f;
  }

  // ---- outcomes

  /** True when filter {@code c} answered the request itself (the answer is then sent) or closed its stream. */
  private boolean answeredBy(FilterCall c) {
    if (c.closed()) {
      over = true;
      if (!ex.response().ended()) ex.response().reset();
      finish();
      return true;
    }
    FilterCall.LocalResponse local = c.takeLocalResponse();
    if (local == null) return false;
    over = true;
    HttpServerResponse resp = ex.response();
    if (resp.headWritten()) { // too late to answer otherwise
      resp.reset();
    } else {
      String connection = resp.headers().get(HttpHeaders.CONNECTION);
      resp.headers().clear();
      if (connection != null) resp.putHeader(HttpHeaders.CONNECTION, connection); // a close decided before us holds
      resp.setChunked(false);
      resp.setStatusCode(local.status());
      for (Map.Entry<String, String> h : local.headers()) {
        if (HeaderView.validName(h.getKey()) && HeaderView.validValue(h.getValue())) resp.headers().add(h.getKey(), h.getValue());
      }
      resp.putHeader("x-request-id", ex.requestId());
      ex.endOut(local.body());
    }
    finish();
    return true;
  }

  /** A callback failed; true when that ends the request (failure: closed). */
  private boolean failed(FilterCall c, FilterFailure f) {
    WasmFilterConfig cfg = c.vm.module.config;
    c.vm.meters.failed(f, ex.logIds(), "failure=" + cfg.failure().name().toLowerCase(Locale.ROOT));
    c.skipped = true;
    if (cfg.failure() == WasmFilterConfig.Failure.OPEN) return false;
    fail(cfg.name(), null);
    return true;
  }

  /** Fails the request closed: 503 before the answer has begun, a reset after. */
  private void fail(String filter, String why) {
    over = true;
    HttpServerResponse resp = ex.response();
    if (why != null) LOG.warning("event=wasm_answer_reset " + ex.logIds() + " reason=\"" + why + "\"");
    if (resp.headWritten() || resp.ended()) {
      if (!resp.ended()) resp.reset();
    } else {
      String connection = resp.headers().get(HttpHeaders.CONNECTION);
      resp.headers().clear();
      if (connection != null) resp.putHeader(HttpHeaders.CONNECTION, connection); // a close decided before us holds
      resp.setChunked(false);
      String message = filter == null ? "a filter broke the answer" : "filter " + filter + " failed";
      resp.setStatusCode(503).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .putHeader("x-request-id", ex.requestId());
      ex.endOut(Exchange.errorBody(503, "filter_failed", message, ex.requestId()));
    }
    finish();
  }

  /** The request is over (answered, or the client left): each filter's context ends, once. */
  void finish() {
    if (finished) return;
    finished = true;
    over = true; // what the target still sends goes nowhere: the filters' contexts are gone
    for (int i = 0; i < n; i++) {
      FilterCall c = calls[i];
      if (c.skipped || c.id == 0 || c.vm.broken()) continue; // id 0: its context was never created
      try {
        c.vm.done(c);
      } catch (FilterFailure f) {
        c.vm.meters.failed(f, ex.logIds(), "");
      }
    }
  }
}
