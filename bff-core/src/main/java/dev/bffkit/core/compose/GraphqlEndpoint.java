package dev.bffkit.core.compose;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.bffkit.core.config.LimitsConfig;
import dev.bffkit.core.pipeline.BodyReader;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Failures;
import dev.bffkit.core.pipeline.Stage;
import dev.bffkit.core.security.ApiKeys;
import dev.bffkit.core.upstream.UpstreamCaller;
import graphql.language.OperationDefinition;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Ad-hoc GraphQL over HTTP (graphql-over-http draft). Terminal stage.
 *
 * <ul>
 *   <li>POST {@code application/json} {@code {query, operationName, variables}}; other media
 *       types 415; malformed JSON or no query 400; a body over {@code maxBodyBytes} 413.
 *   <li>GET {@code ?query=&variables=&operationName=}; a mutation over GET is 405.
 *   <li>Answers {@code application/graphql-response+json} when Accept names it (see
 *       {@link AcceptedMedia}): then a request error (parse, validation, variables) is 400.
 *       Otherwise {@code application/json} and 200 for every well-formed request, as the spec
 *       requires for that media type; the parser's message (with line and column) is in
 *       {@code errors[0].message} either way.
 *   <li>{@code limits.graphql} (depth, aliases, root fields, tokens, cost, introspection) are checked
 *       before validation, for the operation that runs ({@code operationName}): a violation is 400
 *       with {@code errors[0].extensions.code} ({@code QUERY_TOO_DEEP}, {@code TOO_MANY_ALIASES}, ...).
 *       The verdict is remembered per (document, operation), never per document.
 *   <li>Apollo Automatic Persisted Queries: {@code extensions.persistedQuery.sha256Hash} without a
 *       query runs the query learnt for that hash, or answers {@code PersistedQueryNotFound} (200,
 *       the client then sends hash and query; a hash that does not match its query is 400). The
 *       hashes live in one store per BFF ({@link PersistedQueries}), seen by every event loop.
 *   <li>{@code @defer}/{@code @stream}: answered in multipart parts when Accept names
 *       {@code multipart/mixed} ({@link MultipartAccept}); otherwise inlined in one answer.
 * </ul>
 */
public final class GraphqlEndpoint implements Stage {
  static final String GRAPHQL_RESPONSE = AcceptedMedia.GRAPHQL_RESPONSE;
  private static final CharSequence GRAPHQL_RESPONSE_TYPE = HttpHeaders.createOptimized(GRAPHQL_RESPONSE);
  private static final CharSequence JSON_TYPE = HttpHeaders.createOptimized("application/json");
  private static final int MAX_VERDICTS = 2000;
  private static final int MAX_REMEMBERED_QUERY_CHARS = 16 * 1024;

  private final CompositionEngine engine;
  private final UpstreamCaller upstreams;
  private final int maxBodyBytes;
  private final LimitsConfig.Graphql limits;
  private final QueryLimits checker;
  private final PersistedQueries persisted;
  /** The limits' verdict per (document, operation): empty = within the limits (this event loop only). */
  private final Cache<OperationKey, Optional<QueryLimits.Violation>> verdicts = Caffeine.newBuilder()
      .maximumSize(MAX_VERDICTS)
      .executor(Runnable::run)
      .build();
  private final boolean adhoc;
  /** sha256 hex → screen: the registered persisted queries. */
  private final Map<String, Screen> screensByHash;
  /** Exact text → screen. */
  private final Map<String, Screen> screensByText;
  /** Checks a POST body before it is parsed (the WAF): a refusal message, or null to go on. */
  private BiFunction<Exchange, Buffer, String> bodyInspector;

  /** One operation of one document: what a limits verdict is about. */
  private record OperationKey(String query, String operationName) {
    static OperationKey of(String query, String operationName) {
      return new OperationKey(query, operationName == null || operationName.isEmpty() ? null : operationName);
    }
  }

  public GraphqlEndpoint(CompositionEngine engine, UpstreamCaller upstreams, int maxBodyBytes) {
    this(engine, upstreams, maxBodyBytes, LimitsConfig.Graphql.defaults());
  }

  public GraphqlEndpoint(CompositionEngine engine, UpstreamCaller upstreams, int maxBodyBytes,
      LimitsConfig.Graphql limits) {
    this(engine, upstreams, maxBodyBytes, limits, true);
  }

  /**
   * With {@code adhoc} false only registered persisted queries run: the screens, by the SHA-256
   * of their text ({@code extensions.persistedQuery.sha256Hash}, or the exact text), each with its
   * own operation only; anything else is refused ({@code PERSISTED_QUERY_NOT_FOUND} /
   * {@code ADHOC_DISABLED}).
   */
  public GraphqlEndpoint(CompositionEngine engine, UpstreamCaller upstreams, int maxBodyBytes,
      LimitsConfig.Graphql limits, boolean adhoc) {
    this.engine = engine;
    this.upstreams = upstreams;
    this.maxBodyBytes = maxBodyBytes;
    this.limits = limits;
    this.checker = new QueryLimits(limits);
    this.persisted = engine.persistedQueries();
    this.adhoc = adhoc;
    Map<String, Screen> byHash = new HashMap<>();
    Map<String, Screen> byText = new HashMap<>();
    for (Screen s : engine.screens()) {
      byHash.put(ApiKeys.sha256Hex(s.query()), s);
      byText.put(s.query(), s);
    }
    this.screensByHash = Map.copyOf(byHash);
    this.screensByText = Map.copyOf(byText);
  }

  /** Installs a body check (the WAF's signatures); called once when the endpoint is built. */
  public GraphqlEndpoint inspectBodies(BiFunction<Exchange, Buffer, String> inspector) {
    this.bodyInspector = inspector;
    return this;
  }

  /** {@code query} is null when only a persisted-query hash was sent. */
  private record GraphqlRequest(String query, String operationName, Map<String, Object> variables, String hash) {}

  /** A malformed HTTP request: answered with the gateway's error shape. */
  private static final class Malformed extends RuntimeException {
    final int status;
    final String code;

    Malformed(int status, String code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  @Override
  public void handle(Exchange ex, Next next) {
    HttpServerRequest req = ex.request();
    try {
      if (req.method() == HttpMethod.GET) {
        execute(ex, fromParams(req), true);
      } else if (req.method() == HttpMethod.POST) {
        String type = req.getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || !mediaType(type).equals("application/json")) {
          ex.fail(415, "unsupported_media_type", "POST a body of type application/json");
          return;
        }
        readBody(ex, body -> {
          try {
            String refused = bodyInspector == null ? null : bodyInspector.apply(ex, body);
            if (refused != null) {
              ex.fail(403, "request_blocked", refused);
              return;
            }
            execute(ex, fromBody(body), false);
          } catch (Malformed m) {
            ex.fail(m.status, m.code, m.getMessage());
          }
        });
      } else {
        ex.response().putHeader(HttpHeaders.ALLOW, "GET, POST");
        ex.fail(405, "method_not_allowed", "GraphQL answers GET and POST");
      }
    } catch (Malformed m) {
      ex.fail(m.status, m.code, m.getMessage());
    }
  }

  /** The body within this endpoint's byte limit and the route's read deadline (refusals are answered there). */
  private void readBody(Exchange ex, java.util.function.Consumer<Buffer> then) {
    BodyReader.whole(ex, maxBodyBytes, BodyReader.timeoutMs(ex)).onSuccess(then::accept);
  }

  private GraphqlRequest fromParams(HttpServerRequest req) {
    String query = req.getParam("query");
    String hash = null;
    String ext = req.getParam("extensions");
    if (ext != null && !ext.isEmpty()) {
      try {
        hash = persistedHash(Json.parse(ext));
      } catch (Malformed m) {
        throw m;
      } catch (Exception e) {
        throw new Malformed(400, "bad_request", "'extensions' is not JSON");
      }
    }
    if ((query == null || query.isBlank()) && hash == null) throw new Malformed(400, "bad_request", "missing 'query' parameter");
    String vars = req.getParam("variables");
    Map<String, Object> variables = null;
    if (vars != null && !vars.isEmpty()) {
      Object v;
      try {
        v = Json.parse(vars);
      } catch (Exception e) {
        throw new Malformed(400, "bad_request", "'variables' is not JSON");
      }
      variables = asVariables(v);
    }
    return new GraphqlRequest(query == null || query.isBlank() ? null : query, req.getParam("operationName"), variables, hash);
  }

  /** The APQ hash of {@code extensions.persistedQuery}, or null. */
  private static String persistedHash(Object extensions) {
    if (!(extensions instanceof Map<?, ?> e) || !(e.get("persistedQuery") instanceof Map<?, ?> pq)) return null;
    if (!(pq.get("sha256Hash") instanceof String h) || !isSha256Hex(h)) {
      throw new Malformed(400, "bad_request", "extensions.persistedQuery.sha256Hash must be 64 hex digits");
    }
    return h.toLowerCase(Locale.ROOT);
  }

  private static boolean isSha256Hex(String h) {
    if (h.length() != 64) return false;
    for (int i = 0; i < 64; i++) {
      if (Character.digit(h.charAt(i), 16) < 0) return false;
    }
    return true;
  }

  private GraphqlRequest fromBody(Buffer body) {
    Object parsed;
    try {
      parsed = Json.parse(body);
    } catch (Exception e) {
      throw new Malformed(400, "bad_request", "body is not valid JSON");
    }
    if (!(parsed instanceof Map<?, ?> m)) throw new Malformed(400, "bad_request", "body must be a JSON object");
    String hash = persistedHash(m.get("extensions"));
    Object q = m.get("query");
    if (q != null && !(q instanceof String)) throw new Malformed(400, "bad_request", "'query' must be a string");
    if ((q == null || ((String) q).isBlank()) && hash == null) {
      throw new Malformed(400, "bad_request", "missing 'query' string");
    }
    Object op = m.get("operationName");
    if (op != null && !(op instanceof String)) throw new Malformed(400, "bad_request", "'operationName' must be a string");
    return new GraphqlRequest(q == null || ((String) q).isBlank() ? null : (String) q, (String) op,
        asVariables(m.get("variables")), hash);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asVariables(Object v) {
    if (v == null) return null;
    if (!(v instanceof Map<?, ?>)) throw new Malformed(400, "bad_request", "'variables' must be a JSON object");
    return (Map<String, Object>) v;
  }

  private void execute(Exchange ex, GraphqlRequest gr, boolean overGet) {
    if (adhoc && limits.persistedQueries() && gr.hash() != null && gr.query() == null && persisted.shared()
        && persisted.get(gr.hash()) == null
        && screensByHash.get(gr.hash()) == null) {
      // A hash this instance has not seen: the fleet's Redis may know it (another instance learnt it).
      Context loop = Vertx.currentContext();
      persisted.lookup(gr.hash()).onComplete(ar -> {
        Runnable resume = () -> {
          if (ex.deadline().cancelled() || ex.response().ended()) return; // the client left meanwhile
          String found = ar.succeeded() ? ar.result() : null;
          run(ex, found == null ? gr : new GraphqlRequest(found, gr.operationName(), gr.variables(), null), overGet);
        };
        if (Vertx.currentContext() == loop) resume.run();
        else loop.runOnContext(v -> resume.run());
      });
      return;
    }
    run(ex, gr, overGet);
  }

  private void run(Exchange ex, GraphqlRequest gr, boolean overGet) {
    boolean graphqlResponse = AcceptedMedia.graphqlResponse(ex.request().getHeader(HttpHeaders.ACCEPT));
    if (!adhoc) {
      gr = registeredOnly(ex, gr, graphqlResponse);
      if (gr == null) return;
    } else if (gr.hash() != null) {
      gr = persisted(ex, gr, graphqlResponse);
      if (gr == null) return;
      // Limits below are checked for this request's operation, whichever one registered the hash.
    }
    String query = gr.query();
    if (adhoc) { // registered screens are trusted (validated at start-up) and run only their own operation
      QueryLimits.Violation v = verdict(query, gr.operationName());
      if (v != null) {
        graphqlError(ex, graphqlResponse, 400, v.code(), v.message());
        return;
      }
    }
    if (overGet && engine.operationType(query, gr.operationName()) == OperationDefinition.Operation.MUTATION) {
      ex.response().putHeader(HttpHeaders.ALLOW, "POST");
      ex.fail(405, "method_not_allowed", "mutations need POST");
      return;
    }
    // Learnt only once the hash matched and the limits passed for the operation that runs.
    if (gr.hash() != null) persisted.register(gr.hash(), query);
    ComposeContext cx = ComposeContext.of(upstreams, ex, engine.fieldCache());
    if (IncrementalResponse.wanted(ex)) {
      IncrementalRun inc = engine.incremental(query, gr.operationName(), gr.variables(), cx);
      if (inc != null) {
        IncrementalResponse.send(ex, inc, "GraphqlEndpoint");
        return;
      }
    }
    engine.runQuery(query, gr.operationName(), gr.variables(), cx).onComplete(ar -> {
      if (ex.deadline().cancelled()) return; // nobody to answer
      if (ar.failed()) {
        Failures.internal(ex, "GraphqlEndpoint", ar.cause());
        return;
      }
      if (ex.response().ended()) return;
      ComposeResult r = ar.result();
      int status = r.requestError() && graphqlResponse ? 400 : 200;
      if (r.hasFieldErrors() && !r.allFailed() && ex.log() != null) ex.log().partial(true);
      ex.response().setStatusCode(status)
          .putHeader(HttpHeaders.CONTENT_TYPE, graphqlResponse ? GRAPHQL_RESPONSE_TYPE : JSON_TYPE);
      ex.end(r.body());
    });
  }

  /**
   * Ad-hoc off: a screen by its hash or exact text, and only the screen's own operation. Returns
   * the request to run, or null when it was answered.
   */
  private GraphqlRequest registeredOnly(Exchange ex, GraphqlRequest gr, boolean graphqlResponse) {
    boolean hashOnly = gr.hash() != null && gr.query() == null;
    Screen known = gr.hash() != null ? screensByHash.get(gr.hash()) : screensByText.get(gr.query());
    if (known == null || (gr.query() != null && !gr.query().equals(known.query()))) {
      if (hashOnly) {
        graphqlError(ex, graphqlResponse, 200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound");
      } else {
        graphqlError(ex, graphqlResponse, 400, "ADHOC_DISABLED",
            "ad-hoc queries are disabled; only registered persisted queries (the screens) run");
      }
      return null;
    }
    String op = gr.operationName();
    if (op != null && !op.isEmpty() && !op.equals(known.operationName())) {
      graphqlError(ex, graphqlResponse, 400, "ADHOC_DISABLED",
          "ad-hoc queries are disabled; a registered query runs its own operation only");
      return null;
    }
    return new GraphqlRequest(known.query(), known.operationName(), gr.variables(), null);
  }

  /** APQ: the request with its query (learnt or checked against the hash), or null when answered. */
  private GraphqlRequest persisted(Exchange ex, GraphqlRequest gr, boolean graphqlResponse) {
    if (!limits.persistedQueries()) {
      graphqlError(ex, graphqlResponse, 400, "PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported");
      return null;
    }
    if (gr.query() == null) {
      String known = persisted.get(gr.hash());
      if (known == null && screensByHash.get(gr.hash()) != null) {
        known = screensByHash.get(gr.hash()).query(); // the screens are registered from the start (--export's manifest)
      }
      if (known == null) {
        // Apollo clients answer this by sending the hash with the query.
        graphqlError(ex, graphqlResponse, 200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound");
        return null;
      }
      return new GraphqlRequest(known, gr.operationName(), gr.variables(), null); // already registered
    }
    if (!PersistedQueries.matches(gr.hash(), gr.query())) {
      graphqlError(ex, graphqlResponse, 400, "PERSISTED_QUERY_HASH_MISMATCH", "provided sha does not match query");
      return null;
    }
    return gr;
  }

  /** The limits' verdict for this operation of this document (null = within), remembered per pair. */
  private QueryLimits.Violation verdict(String query, String operationName) {
    if (query.length() > MAX_REMEMBERED_QUERY_CHARS) return checker.check(query, operationName);
    OperationKey key = OperationKey.of(query, operationName);
    Optional<QueryLimits.Violation> known = verdicts.getIfPresent(key);
    if (known == null) {
      known = Optional.ofNullable(checker.check(query, operationName));
      verdicts.put(key, known);
    }
    return known.orElse(null);
  }

  private static void graphqlError(Exchange ex, boolean graphqlResponse, int status, String code, String message) {
    if (ex.response().ended()) return;
    JsonObject body = new JsonObject().put("errors", new JsonArray()
        .add(new JsonObject().put("message", message).put("extensions", new JsonObject().put("code", code))));
    ex.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, graphqlResponse ? GRAPHQL_RESPONSE_TYPE : JSON_TYPE);
    ex.end(body.toBuffer());
  }

  private static String mediaType(String contentType) {
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
  }
}
