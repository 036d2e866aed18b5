package dev.bffkit.core.portal;

import dev.bffkit.core.Bff.RunningBff;
import dev.bffkit.core.admin.AdminServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.function.Supplier;

/**
 * {@code POST /portal/graphql} with {@code {"token": "...", "credential": "bearer"|"apiKey", "query":
 * "...", "variables": {...}, "operationName": "..."}}: GraphiQL's fetcher. Posts {@code {query,
 * variables, operationName}} to the client listener's {@code composition.graphqlPath} through the
 * {@link ClientRelay} (same origin for the page; the full client path for the call: auth, scopes,
 * rate limits, depth and cost limits, introspection as {@code limits.graphql.introspection} says).
 * 404 while the ad-hoc endpoint is off.
 */
final class GraphiqlRelay {
  /** The largest request: a token (16 KiB at most) and a query with its variables. */
  static final int MAX_BODY = 128 * 1024;
  private static final String SHAPE = "{\"token\": \"...\", \"credential\": \"bearer\"|\"apiKey\", \"query\": \"...\", "
      + "\"variables\": {...}, \"operationName\": \"...\"}";

  private final Supplier<RunningBff> live;
  private final ClientRelay relay;

  private GraphiqlRelay(Vertx vertx, Supplier<RunningBff> live) {
    this.live = live;
    this.relay = new ClientRelay(vertx);
  }

  static void mount(Vertx vertx, Router router, String base, Supplier<RunningBff> live) {
    GraphiqlRelay r = new GraphiqlRelay(vertx, live);
    router.post(base + "/graphql").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY)).handler(r::handle)
        .failureHandler(ctx -> { // the body handler's 413 (and any bug) in the admin error shape
          int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
          AdminServer.json(ctx, status, AdminServer.error(status, status == 413 ? "body_too_large" : "graphql_relay_failed",
              status == 413 ? "the GraphiQL request is larger than " + MAX_BODY + " bytes" : "the GraphiQL call failed"));
        });
  }

  private void handle(RoutingContext ctx) {
    RunningBff bff = ClientRelay.ready(ctx, live.get());
    if (bff == null || !ClientRelay.isJson(ctx, "GraphiQL request")) return;
    if (!GraphiqlPage.on(bff)) {
      AdminServer.json(ctx, 404, AdminServer.error(404, "graphql_off",
          "the ad-hoc GraphQL endpoint is off (composition.adhocGraphql: false)"));
      return;
    }
    JsonObject in;
    Buffer forwarded;
    ClientRelay.Credential credential;
    try {
      Buffer body = ctx.body().buffer();
      in = body == null || body.length() == 0 ? new JsonObject() : body.toJsonObject();
      forwarded = request(in).toBuffer();
      credential = ClientRelay.Credential.of(in);
    } catch (RuntimeException e) {
      ClientRelay.badRequest(ctx, e, SHAPE);
      return;
    }
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
        .setURI(bff.config().composition().graphqlPath())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.ACCEPT, "application/json");
    Object op = in.getValue("operationName");
    relay.forward(ctx, bff, bff.routes().named("graphql"), options, credential, forwarded, "portal_graphql",
        "operation=" + (op == null ? "-" : shown((String) op)));
  }

  /**
   * The GraphQL-over-HTTP request sent on: {@code query} (a non-empty string), {@code variables} (an
   * object or absent) and {@code operationName} (a string or absent); anything else is refused with
   * the reason, and the portal's own fields (token, credential) are never sent.
   */
  static JsonObject request(JsonObject in) {
    Object query = in.getValue("query");
    Object variables = in.getValue("variables");
    Object operationName = in.getValue("operationName");
    if (!(query instanceof String q) || q.isBlank()) throw new IllegalArgumentException("query is a non-empty string");
    if (variables != null && !(variables instanceof JsonObject)) throw new IllegalArgumentException("variables is an object");
    if (operationName != null && !(operationName instanceof String)) {
      throw new IllegalArgumentException("operationName is a string");
    }
    JsonObject out = new JsonObject().put("query", q);
    if (variables != null) out.put("variables", variables);
    if (operationName != null && !((String) operationName).isEmpty()) out.put("operationName", operationName);
    return out;
  }

  /** An operation name for the log: at most 64 characters of letters, digits and underscores (a GraphQL Name). */
  private static String shown(String name) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < name.length() && b.length() < 64; i++) {
      char c = name.charAt(i);
      b.append(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' ? c : '?');
    }
    return b.toString();
  }
}
