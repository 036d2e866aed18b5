package dev.bffkit.core.pipeline;

import dev.bffkit.core.observe.RequestLog;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.security.Principal;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The per-request context that travels through the {@link Stage} chain: the request, its id,
 * its deadline and the caller's identity ({@code ctx} values for templates).
 * Lives on one event loop; not thread-safe by design.
 */
public final class Exchange implements Caller {
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence X_REQUEST_ID = HttpHeaders.createOptimized("x-request-id");

  private final HttpServerRequest request;
  private final String requestId;
  private final long startNanos;
  /** What this request did, for metrics, traces and logs; null when nothing observes (tests). */
  private final RequestLog log;
  private Deadline deadline;
  /** Values templates read as {@code {ctx.x}}; filled by auth (later) and by the route. */
  private Map<String, Object> ctx;
  /** The caller's scopes once authenticated; null for an anonymous caller. */
  private Set<String> scopes;
  /** Identity headers (chosen claims) every upstream call of this request carries; null for none. */
  private MultiMap identityHeaders;
  /** Who is calling, once authenticated; null = anonymous (or auth off). */
  private Principal principal;
  /** The request's route, resolved once by the route stage; null before it (and for a 404). */
  private Route route;
  /** A template route's path variables (raw, still percent-encoded); empty otherwise. */
  private Map<String, String> pathParams = Map.of();
  /** Sees the body as the target reads it (a mirror's copy); null for none. */
  private BodyTap bodyTap;
  /** The request body as an earlier stage read (and maybe rewrote) it; the target reads this. Null: not read yet. */
  private Buffer readBody;
  /** Sees the answer before the client does (Proxy-Wasm response callbacks); null for none. */
  private AnswerFilter answerFilter;

  /**
   * Takes the answer's body on its way out: it may hold, rewrite or replace it, and passes what the client gets to
   * {@link #writeOut} and {@link #endOut}.
   */
  public interface AnswerFilter {
    Future<Void> write(Buffer chunk);

    /** {@code last} may be null (no last chunk). */
    Future<Void> end(Buffer last);

    /** Whether the answer has begun (its first part taken): a later error cannot replace it. */
    boolean started();
  }

  public Exchange(HttpServerRequest request, String requestId, Deadline deadline) {
    this(request, requestId, deadline, System.nanoTime(), null);
  }

  /** {@code startNanos}: when the request's head arrived; {@code log} carried by every deadline of the request. */
  public Exchange(HttpServerRequest request, String requestId, Deadline deadline, long startNanos, RequestLog log) {
    this.request = request;
    this.requestId = requestId;
    this.log = log;
    this.deadline = (log == null ? deadline : new Deadline(deadline.atNanos(), false, null, log)).withCaller(this);
    this.startNanos = startNanos;
    request.response().putHeader(X_REQUEST_ID, requestId);
  }

  public HttpServerRequest request() { return request; }

  public HttpServerResponse response() { return request.response(); }

  @Override
  public String requestId() { return requestId; }

  @Override
  public MultiMap requestHeaders() { return request.headers(); }

  public long startNanos() { return startNanos; }

  /** The request's log; null when nothing observes. */
  public RequestLog log() { return log; }

  /** What sees the body as it is read; null for none. */
  public BodyTap bodyTap() { return bodyTap; }

  public void bodyTap(BodyTap tap) { this.bodyTap = tap; }

  /** The body an earlier stage read whole, or null; {@link BodyReader} answers with it instead of reading again. */
  public Buffer readBody() { return readBody; }

  public void readBody(Buffer body) { this.readBody = body; }

  public void answerFilter(AnswerFilter f) { this.answerFilter = f; }

  /** {@code request_id=... trace_id=...} for a log line about this request. */
  public String logIds() {
    return RequestLog.logIds(requestId, log);
  }

  public Deadline deadline() { return deadline; }

  public void deadline(Deadline d) { this.deadline = d; }

  /** Created on first use: plain proxy requests never need it. */
  public Map<String, Object> ctx() {
    if (ctx == null) ctx = new HashMap<>(4);
    return ctx;
  }

  /** The authenticated caller's scopes, or null when the caller is anonymous (or auth is off). */
  public Set<String> scopes() { return scopes; }

  public void scopes(Set<String> s) { this.scopes = s; }

  /** Headers carrying the caller's identity to upstreams (set by auth), or null. */
  public MultiMap identityHeaders() { return identityHeaders; }

  public void identityHeaders(MultiMap h) { this.identityHeaders = h; }

  @Override
  public Principal principal() { return principal; }

  public void principal(Principal p) { this.principal = p; }

  /** The route resolved for this request; null before routing. */
  public Route route() { return route; }

  public Map<String, String> pathParams() { return pathParams; }

  /** Set once by the route stage; the request's deadline becomes the route's. */
  public void route(Route r, Map<String, String> params) {
    this.route = r;
    this.pathParams = params;
    this.deadline = new Deadline(startNanos + r.policy().deadline().toNanos(), false, null, log, this);
    if (log != null) log.route(r);
  }

  /** True once a response has been (or is being) written; stages stop the chain then. */
  public boolean answered() {
    return request.response().ended() || request.response().headWritten()
        || (answerFilter != null && answerFilter.started());
  }

  public void respondJson(int status, Buffer body) {
    HttpServerResponse r = request.response();
    if (r.ended()) return;
    r.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON);
    end(body);
  }

  /**
   * Writes a chunk of the answer's body. Endpoints write bodies through here and {@link #end}
   * (never the response directly), so the audit trail signs what the client got.
   */
  public Future<Void> write(Buffer chunk) {
    return answerFilter != null ? answerFilter.write(chunk) : writeOut(chunk);
  }

  /** Ends the answer with its last chunk (see {@link #write}). */
  public Future<Void> end(Buffer last) {
    return answerFilter != null ? answerFilter.end(last) : endOut(last);
  }

  /** Ends the answer with no further body (see {@link #write}). */
  public Future<Void> end() {
    return answerFilter != null ? answerFilter.end(null) : endOut(null);
  }

  /** A chunk as the client gets it, past any {@link AnswerFilter}. */
  public Future<Void> writeOut(Buffer chunk) {
    if (log != null) log.responseBody(chunk);
    return request.response().write(chunk);
  }

  /** The end of the answer as the client gets it, past any {@link AnswerFilter}; {@code last} may be null. */
  public Future<Void> endOut(Buffer last) {
    if (last == null) return request.response().end();
    if (log != null) log.responseBody(last);
    return request.response().end(last);
  }

  /**
   * Answers with the one error shape every part of the gateway uses:
   * {@code {"error":{"status":404,"code":"screen_not_found","message":"...","requestId":"..."}}}.
   */
  public void fail(int status, String code, String message) {
    if (log != null) log.errorCode(code);
    respondJson(status, errorBody(status, code, message, requestId));
  }

  public static Buffer errorBody(int status, String code, String message, String requestId) {
    JsonObject err = new JsonObject()
        .put("status", status)
        .put("code", code)
        .put("message", message)
        .put("requestId", requestId);
    return new JsonObject().put("error", err).toBuffer();
  }
}
