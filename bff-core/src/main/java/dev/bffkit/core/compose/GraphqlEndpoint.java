package dev.bffkit.core.compose;

import dev.bffkit.core.pipeline.BodyReader;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Cancellation;
import dev.bffkit.core.pipeline.Failures;
import dev.bffkit.core.pipeline.Stage;
import dev.bffkit.core.upstream.UpstreamCaller;
import graphql.language.OperationDefinition;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;

/**
 * Ad-hoc GraphQL over HTTP (graphql-over-http draft). Terminal stage.
 *
 * <ul>
 *   <li>POST {@code application/json} {@code {query, operationName, variables}}; other media
 *       types 415; malformed JSON or no query 400; a body over {@code maxBodyBytes} 413.
 *   <li>GET {@code ?query=&variables=&operationName=}; a mutation over GET is 405.
 *   <li>Answers {@code application/graphql-response+json} when Accept names it or only
 *       wildcards: then a request
 *       error (parse, validation, variables) is 400. Otherwise {@code application/json} and 200
 *       for every well-formed request, as the spec requires for that media type; the parser's
 *       message (with line and column) is in {@code errors[0].message} either way.
 *   <li>{@code limits.graphql} (depth, aliases, root fields, tokens, cost, introspection) are checked
 *       before validation: a violation is 400 with {@code errors[0].extensions.code}
 *       ({@code QUERY_TOO_DEEP}, {@code TOO_MANY_ALIASES}, ...).
 *   <li>Apollo Automatic Persisted Queries: {@code extensions.persistedQuery.sha256Hash} without a
 *       query runs the query learnt for that hash, or answers {@code PersistedQueryNotFound} (200,
 *       the client then sends hash and query; a hash that does not match its query is 400).
 * </ul>
 */
public final class GraphqlEndpoint implements Stage {
  static final String GRAPHQL_RESPONSE = "application/graphql-response+json";
  private static final CharSequence GRAPHQL_RESPONSE_TYPE = HttpHeaders.createOptimized(GRAPHQL_RESPONSE);
  private static final CharSequence JSON_TYPE = HttpHeaders.createOptimized("application/json");

  private final CompositionEngine engine;
  private final UpstreamCaller upstreams;
  private final int maxBodyBytes;
  private final dev.bffkit.core.config.LimitsConfig.Graphql limits;
  private final QueryLimits checker;
  /** Queries already found within the limits (bounded; this event loop only). */
  private final java.util.Set<String> withinLimits = new java.util.HashSet<>();
  /** APQ: sha256 hex → query, learnt on first use (bounded LRU; this event loop only). */
  private final Map<String, String> persisted = new java.util.LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > MAX_PERSISTED;
    }
  };
  private static final int MAX_PERSISTED = 2000;
  private static final int MAX_REMEMBERED_QUERY_CHARS = 16 * 1024;

  public GraphqlEndpoint(CompositionEngine engine, UpstreamCaller upstreams, int maxBodyBytes) {
    this(engine, upstreams, maxBodyBytes, dev.bffkit.core.config.LimitsConfig.Graphql.defaults());
  }

  public GraphqlEndpoint(CompositionEngine engine, UpstreamCaller upstreams, int maxBodyBytes,
      dev.bffkit.core.config.LimitsConfig.Graphql limits) {
    this(engine, upstreams, maxBodyBytes, limits, true);
  }

  /**
   * With {@code adhoc} false only registered persisted queries run: the screens, by the SHA-256
   * of their text ({@code extensions.persistedQuery.sha256Hash}, or the exact text); anything
   * else is refused ({@code PERSISTED_QUERY_NOT_FOUND} / {@code ADHOC_DISABLED}).
   */
  public GraphqlEndpoint(CompositionEngine engine, UpstreamCaller upstreams, int maxBodyBytes,
      dev.bffkit.core.config.LimitsConfig.Graphql limits, boolean adhoc) {
    this.engine = engine;
    this.upstreams = upstreams;
    this.maxBodyBytes = maxBodyBytes;
    this.limits = limits;
    this.checker = new QueryLimits(limits);
    this.adhoc = adhoc;
    java.util.Map<String, String> screens = new java.util.HashMap<>();
    for (Screen s : engine.screens()) screens.put(dev.bffkit.core.security.ApiKeys.sha256Hex(s.query()), s.query());
    this.registered = java.util.Map.copyOf(screens);
  }

  private final boolean adhoc;
  /** Checks a POST body before it is parsed (the WAF): a refusal message, or null to go on. */
  private java.util.function.BiFunction<Exchange, Buffer, String> bodyInspector;

  /** Installs a body check (the WAF's signatures); called once when the endpoint is built. */
  public GraphqlEndpoint inspectBodies(java.util.function.BiFunction<Exchange, Buffer, String> inspector) {
    this.bodyInspector = inspector;
    return this;
  }
  /** sha256 hex → screen text: the registered persisted queries. */
  private final Map<String, String> registered;

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
    if (!(pq.get("sha256Hash") instanceof String h) || !h.matches("[0-9a-fA-F]{64}")) {
      throw new Malformed(400, "bad_request", "extensions.persistedQuery.sha256Hash must be 64 hex digits");
    }
    return h.toLowerCase(java.util.Locale.ROOT);
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
    boolean graphqlResponse = acceptsGraphqlResponse(ex.request().getHeader(HttpHeaders.ACCEPT));
    if (!adhoc) {
      // Registered persisted queries only: a screen by its hash, or by its exact text.
      String known = gr.hash() != null ? registered.get(gr.hash()) : null;
      if (known == null && gr.query() != null && registered.containsValue(gr.query())) known = gr.query();
      if (known == null || (gr.query() != null && !gr.query().equals(known))) {
        graphqlError(ex, graphqlResponse, gr.hash() != null && gr.query() == null ? 200 : 400,
            gr.hash() != null && gr.query() == null ? "PERSISTED_QUERY_NOT_FOUND" : "ADHOC_DISABLED",
            gr.hash() != null && gr.query() == null ? "PersistedQueryNotFound"
                : "ad-hoc queries are disabled; only registered persisted queries (the screens) run");
        return;
      }
      gr = new GraphqlRequest(known, gr.operationName(), gr.variables(), null);
    } else if (gr.hash() != null) {
      if (!limits.persistedQueries()) {
        graphqlError(ex, graphqlResponse, 400, "PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported");
        return;
      }
      if (gr.query() == null) {
        String known = persisted.get(gr.hash());
        if (known == null) {
          // Apollo clients answer this by sending the hash with the query.
          graphqlError(ex, graphqlResponse, 200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound");
          return;
        }
        gr = new GraphqlRequest(known, gr.operationName(), gr.variables(), gr.hash());
      } else if (!dev.bffkit.core.security.ApiKeys.sha256Hex(gr.query()).equals(gr.hash())) {
        graphqlError(ex, graphqlResponse, 400, "PERSISTED_QUERY_HASH_MISMATCH", "provided sha does not match query");
        return;
      }
    }
    String query = gr.query();
    if (adhoc && !withinLimits.contains(query)) { // registered queries are trusted (validated at start-up)
      QueryLimits.Violation v = checker.check(query, gr.operationName());
      if (v != null) {
        graphqlError(ex, graphqlResponse, 400, v.code(), v.message());
        return;
      }
      if (query.length() <= MAX_REMEMBERED_QUERY_CHARS) {
        if (withinLimits.size() >= MAX_PERSISTED) withinLimits.clear();
        withinLimits.add(query);
      }
    }
    if (overGet && engine.operationType(query, gr.operationName()) == OperationDefinition.Operation.MUTATION) {
      ex.response().putHeader(HttpHeaders.ALLOW, "POST");
      ex.fail(405, "method_not_allowed", "mutations need POST");
      return;
    }
    if (gr.hash() != null && query.length() <= MAX_REMEMBERED_QUERY_CHARS) persisted.put(gr.hash(), query);
    HttpServerRequest req = ex.request();
    Cancellation.watch(ex); // a client that leaves cancels the operation's calls (via ex.deadline())
    ComposeContext cx = new ComposeContext(upstreams, ex.deadline(), ex.requestId(), ex.ctx(), req.headers(),
        ex.scopes(), ex.identityHeaders());
    engine.runQuery(query, gr.operationName(), gr.variables(), cx).onComplete(ar -> {
      if (ex.deadline().cancelled()) return; // nobody to answer
      if (ar.failed()) {
        Failures.internal(ex, "GraphqlEndpoint", ar.cause());
        return;
      }
      if (ex.response().ended()) return;
      ComposeResult r = ar.result();
      int status = r.requestError() && graphqlResponse ? 400 : 200;
      ex.response().setStatusCode(status)
          .putHeader(HttpHeaders.CONTENT_TYPE, graphqlResponse ? GRAPHQL_RESPONSE_TYPE : JSON_TYPE)
          .end(r.body());
    });
  }

  private static void graphqlError(Exchange ex, boolean graphqlResponse, int status, String code, String message) {
    if (ex.response().ended()) return;
    io.vertx.core.json.JsonObject body = new io.vertx.core.json.JsonObject().put("errors", new io.vertx.core.json.JsonArray()
        .add(new io.vertx.core.json.JsonObject().put("message", message)
            .put("extensions", new io.vertx.core.json.JsonObject().put("code", code))));
    ex.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, graphqlResponse ? GRAPHQL_RESPONSE_TYPE : JSON_TYPE)
        .end(body.toBuffer());
  }

  /**
   * Whether to answer application/graphql-response+json: when Accept names it (with a non-zero
   * q), or only wildcards ({@code *}{@code /*}, {@code application/*}, as curl sends) without naming
   * application/json; the spec lets the server pick its preferred type then. No Accept header
   * means a legacy client: application/json.
   */
  static boolean acceptsGraphqlResponse(String accept) {
    if (accept == null) return false;
    boolean wildcard = false;
    boolean json = false;
    for (String range : accept.split(",")) {
      String[] params = range.split(";");
      String type = params[0].trim();
      boolean zero = false;
      for (int i = 1; i < params.length; i++) {
        String p = params[i].trim().replace(" ", "");
        if (p.startsWith("q=")) {
          try {
            zero = Double.parseDouble(p.substring(2)) <= 0;
          } catch (NumberFormatException e) {
            zero = true;
          }
        }
      }
      if (zero) continue;
      if (type.equalsIgnoreCase(GRAPHQL_RESPONSE)) return true;
      if (type.equals("*/*") || type.equalsIgnoreCase("application/*")) wildcard = true;
      if (type.equalsIgnoreCase("application/json")) json = true;
    }
    return wildcard && !json;
  }

  private static String mediaType(String contentType) {
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase();
  }
}
