package dev.bffkit.core.compose;

import dev.bffkit.core.pipeline.Exchange;
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
 * </ul>
 */
public final class GraphqlEndpoint implements Stage {
  static final String GRAPHQL_RESPONSE = "application/graphql-response+json";
  private static final CharSequence GRAPHQL_RESPONSE_TYPE = HttpHeaders.createOptimized(GRAPHQL_RESPONSE);
  private static final CharSequence JSON_TYPE = HttpHeaders.createOptimized("application/json");

  private final CompositionEngine engine;
  private final UpstreamCaller upstreams;
  private final int maxBodyBytes;

  public GraphqlEndpoint(CompositionEngine engine, UpstreamCaller upstreams, int maxBodyBytes) {
    this.engine = engine;
    this.upstreams = upstreams;
    this.maxBodyBytes = maxBodyBytes;
  }

  private record GraphqlRequest(String query, String operationName, Map<String, Object> variables) {}

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
        GraphqlRequest gr = fromParams(req);
        if (engine.operationType(gr.query(), gr.operationName()) == OperationDefinition.Operation.MUTATION) {
          ex.response().putHeader(HttpHeaders.ALLOW, "POST");
          ex.fail(405, "method_not_allowed", "mutations need POST");
          return;
        }
        execute(ex, gr);
      } else if (req.method() == HttpMethod.POST) {
        String type = req.getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || !mediaType(type).equals("application/json")) {
          ex.fail(415, "unsupported_media_type", "POST a body of type application/json");
          return;
        }
        String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && tooLong(length)) {
          ex.fail(413, "body_too_large", "request body over " + maxBodyBytes + " bytes");
          return;
        }
        readBody(ex, body -> {
          try {
            execute(ex, fromBody(body));
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

  private boolean tooLong(String length) {
    try {
      return Long.parseLong(length.trim()) > maxBodyBytes;
    } catch (NumberFormatException e) {
      throw new Malformed(400, "bad_request", "bad content-length");
    }
  }

  /** Reads the body up to the limit; 413 (once) when it grows past it. */
  private void readBody(Exchange ex, java.util.function.Consumer<Buffer> then) {
    HttpServerRequest req = ex.request();
    Buffer body = Buffer.buffer();
    boolean[] over = {false};
    req.handler(chunk -> {
      if (over[0]) return;
      if (body.length() + chunk.length() > maxBodyBytes) {
        over[0] = true;
        ex.fail(413, "body_too_large", "request body over " + maxBodyBytes + " bytes");
        return;
      }
      body.appendBuffer(chunk);
    });
    req.exceptionHandler(e -> {
      if (!ex.answered()) ex.fail(400, "bad_request", "request body could not be read");
    });
    req.endHandler(v -> {
      if (!over[0]) then.accept(body);
    });
    req.resume(); // earlier async stages may have paused the request to keep its body
  }

  private static GraphqlRequest fromParams(HttpServerRequest req) {
    String query = req.getParam("query");
    if (query == null || query.isBlank()) throw new Malformed(400, "bad_request", "missing 'query' parameter");
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
    return new GraphqlRequest(query, req.getParam("operationName"), variables);
  }

  private static GraphqlRequest fromBody(Buffer body) {
    Object parsed;
    try {
      parsed = Json.parse(body);
    } catch (Exception e) {
      throw new Malformed(400, "bad_request", "body is not valid JSON");
    }
    if (!(parsed instanceof Map<?, ?> m)) throw new Malformed(400, "bad_request", "body must be a JSON object");
    if (!(m.get("query") instanceof String q) || q.isBlank()) {
      throw new Malformed(400, "bad_request", "missing 'query' string");
    }
    Object op = m.get("operationName");
    if (op != null && !(op instanceof String)) throw new Malformed(400, "bad_request", "'operationName' must be a string");
    return new GraphqlRequest(q, (String) op, asVariables(m.get("variables")));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asVariables(Object v) {
    if (v == null) return null;
    if (!(v instanceof Map<?, ?>)) throw new Malformed(400, "bad_request", "'variables' must be a JSON object");
    return (Map<String, Object>) v;
  }

  private void execute(Exchange ex, GraphqlRequest gr) {
    boolean graphqlResponse = acceptsGraphqlResponse(ex.request().getHeader(HttpHeaders.ACCEPT));
    HttpServerRequest req = ex.request();
    ComposeContext cx = new ComposeContext(upstreams, ex.deadline(), ex.requestId(), ex.ctx(), req.headers(),
        ex.scopes(), ex.identityHeaders());
    engine.runQuery(gr.query(), gr.operationName(), gr.variables(), cx).onComplete(ar -> {
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
