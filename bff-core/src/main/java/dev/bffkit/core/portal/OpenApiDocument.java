package dev.bffkit.core.portal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.compose.Screen;
import dev.bffkit.core.config.AuthConfig;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.Condition;
import dev.bffkit.core.config.GrpcConfig;
import dev.bffkit.core.config.RouteRuleConfig;
import dev.bffkit.core.grpc.TranscodeStage;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.route.RouteKind;
import dev.bffkit.core.route.RouteMatch;
import dev.bffkit.core.route.RoutePolicy;
import dev.bffkit.core.route.RouteTable;
import graphql.language.AstPrinter;
import graphql.language.Document;
import graphql.language.NonNullType;
import graphql.language.OperationDefinition;
import graphql.language.Type;
import graphql.language.VariableDefinition;
import graphql.parser.Parser;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.1 document of one BFF, generated from its live route table and composition engine: every route of
 * the table is a path (screens with typed variables and the JSON Schema of their answer, the GraphQL endpoint, proxy
 * prefixes as pass-through paths, transcoded REST routes with their protobuf schemas, gRPC-Web methods, health), the
 * responses a route's policy makes possible, and the security schemes of {@code auth}. Built once per route table
 * by {@link ApiDocsPages}; nothing here runs per request.
 */
public final class OpenApiDocument {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  static final String VERSION = "3.1.0";
  static final String PARTIAL_HEADER = "X-BFF-Partial";
  private static final String ERROR = "#/components/schemas/Error";
  private static final String GRAPHQL_RESPONSE = "application/graphql-response+json";
  /** Every method a route without a method list takes. */
  private static final List<String> ALL_METHODS = List.of("get", "put", "post", "delete", "options", "head", "patch");
  /** google.api.http variables: {@code {field.path}} or {@code {field.path=segments/**}} (compile time only). */
  private static final Pattern VARIABLE = Pattern.compile("\\{([A-Za-z0-9_.]+)(=[^}]*)?}");

  private final RouteTable routes;
  private final CompositionEngine engine;
  private final BffConfig config;
  private final ObjectNode root = F.objectNode();
  private final ObjectNode paths;
  private final ObjectNode schemas;
  private final ProtoJsonSchemas protos = new ProtoJsonSchemas();

  private OpenApiDocument(RouteTable routes, CompositionEngine engine, BffConfig config) {
    this.routes = routes;
    this.engine = engine;
    this.config = config;
    root.put("openapi", VERSION);
    paths = F.objectNode();
    schemas = F.objectNode();
  }

  /** The document for this table and engine; {@code version} is the bundle's content version. */
  public static ObjectNode build(RouteTable routes, CompositionEngine engine, BffConfig config, String version) {
    return new OpenApiDocument(routes, engine, config).build(version);
  }

  private ObjectNode build(String version) {
    ObjectNode info = root.putObject("info").put("title", config.name()).put("version", version);
    info.put("description", "The API of the BFF '" + config.name() + "', generated from its live route table. Screens "
        + "are persisted GraphQL operations served over GET; a partial answer (some fields failed) is 200 with "
        + PARTIAL_HEADER + ": true and GraphQL errors. Errors of the gateway itself have the shape of the Error schema.");
    servers();
    root.set("paths", paths);
    ObjectNode components = root.putObject("components");
    components.set("schemas", schemas);
    sharedSchemas();
    components.set("headers", headers());
    components.set("responses", errorResponses());
    securitySchemes(components);
    for (Route r : routes.routes()) {
      switch (r.kind()) {
        case SCREEN -> screen(r);
        case GRAPHQL -> graphql(r);
        case PROXY -> proxy(r);
        case TRANSCODE -> transcode(r);
        case GRPC_WEB -> grpcWeb(r);
        case HEALTH -> health(r);
        case PORTAL -> { } // the portal's pages are for people, not part of the client API
      }
    }
    protos.components().forEach(schemas::set);
    return root;
  }

  private void servers() {
    String scheme = config.tls().enabled() ? "https" : "http";
    String host = config.server().host();
    if (host.contains(":")) host = "[" + host + "]"; // an IPv6 literal in a URL (RFC 3986 §3.2.2)
    root.putArray("servers").addObject().put("url", scheme + "://" + host + ":" + config.server().port())
        .put("description", "the client listener as configured (server.host and server.port)");
  }

  // ---- shared components ----

  private void sharedSchemas() {
    ObjectNode error = schemas.putObject("Error").put("type", "object")
        .put("description", "An error of the gateway itself (routing, auth, limits, upstream failures).");
    error.putArray("required").add("error");
    ObjectNode inner = error.putObject("properties").putObject("error").put("type", "object");
    inner.putArray("required").add("status").add("code").add("message").add("requestId");
    ObjectNode p = inner.putObject("properties");
    p.putObject("status").put("type", "integer").put("description", "the HTTP status");
    p.putObject("code").put("type", "string").put("description", "a stable machine-readable code, e.g. rate_limited");
    p.putObject("message").put("type", "string");
    p.putObject("requestId").putArray("type").add("string").add("null");

    ObjectNode gqlError = schemas.putObject("GraphQLError").put("type", "object");
    gqlError.putArray("required").add("message");
    ObjectNode gp = gqlError.putObject("properties");
    gp.putObject("message").put("type", "string");
    ObjectNode loc = gp.putObject("locations").put("type", "array").putObject("items").put("type", "object");
    loc.putObject("properties").<ObjectNode>set("line", F.objectNode().put("type", "integer"))
        .set("column", F.objectNode().put("type", "integer"));
    ArrayNode pathItems = gp.putObject("path").put("type", "array").putObject("items").putArray("type");
    pathItems.add("string").add("integer");
    gp.putObject("extensions").put("type", "object");

    ObjectNode request = schemas.putObject("GraphQLRequest").put("type", "object")
        .put("description", "GraphQL over HTTP (https://graphql.github.io/graphql-over-http/); Apollo persisted queries"
            + " in extensions.persistedQuery.sha256Hash.");
    ObjectNode rp = request.putObject("properties");
    rp.putObject("query").put("type", "string");
    rp.putObject("operationName").putArray("type").add("string").add("null");
    rp.putObject("variables").putArray("type").add("object").add("null");
    rp.putObject("extensions").putArray("type").add("object").add("null");

    schemas.set("GraphQLResponse", response(F.objectNode()));

    ObjectNode grpcStatus = schemas.putObject("GrpcStatus").put("type", "object")
        .put("description", "A gRPC status of a transcoded call, with the HTTP status of Google's mapping.");
    ObjectNode sp = grpcStatus.putObject("properties");
    sp.putObject("code").put("type", "integer");
    sp.putObject("status").put("type", "string");
    sp.putObject("message").put("type", "string");
  }

  /** The GraphQL response shape around the schema of {@code data}. */
  private static ObjectNode response(ObjectNode data) {
    ObjectNode s = F.objectNode().put("type", "object");
    ObjectNode p = s.putObject("properties");
    p.set("data", GraphqlJsonSchemas.nullable(data.isEmpty() ? F.objectNode().put("type", "object") : data));
    ObjectNode errors = p.putObject("errors").put("type", "array");
    errors.putObject("items").put("$ref", "#/components/schemas/GraphQLError");
    p.putObject("extensions").put("type", "object");
    s.put("additionalProperties", false);
    return s;
  }

  private static ObjectNode headers() {
    ObjectNode h = F.objectNode();
    h.putObject(PARTIAL_HEADER).put("description", "true when some fields failed: the answer has data and errors and"
        + " is not for caching (no ETag)").putObject("schema").put("type", "string").putArray("enum").add("true");
    h.putObject("Retry-After").put("description", "seconds to wait before retrying (RFC 9110 §10.2.3)")
        .putObject("schema").put("type", "integer");
    h.putObject("RateLimit").put("description", "the caller's remaining quota (draft-ietf-httpapi-ratelimit-headers)")
        .putObject("schema").put("type", "string");
    h.putObject("RateLimit-Policy").put("description", "the caller's limits (draft-ietf-httpapi-ratelimit-headers)")
        .putObject("schema").put("type", "string");
    h.putObject("ETag").put("description", "weak validator of a complete answer; send it as If-None-Match")
        .putObject("schema").put("type", "string");
    return h;
  }

  /** Status → [component name, description]. */
  private static final String[][] ERRORS = {
      {"400", "BadRequest", "The request is malformed (a bad variable, a bad query parameter)."},
      {"401", "Unauthorized", "No valid credentials (WWW-Authenticate says why, RFC 6750)."},
      {"403", "Forbidden", "The caller lacks a required scope (insufficient_scope) or was refused."},
      {"404", "NotFound", "No such resource."},
      {"413", "PayloadTooLarge", "The request body is larger than the route allows."},
      {"429", "TooManyRequests", "A rate limit or quota of the caller's tier is used up."},
      {"502", "BadGateway", "The upstream answered badly or not at all."},
      {"503", "ServiceUnavailable", "An upstream is unavailable (breaker open, overloaded) or the BFF is not ready."},
      {"504", "GatewayTimeout", "The request's deadline passed before the upstream answered."}};

  private static ObjectNode errorResponses() {
    ObjectNode r = F.objectNode();
    for (String[] e : ERRORS) {
      ObjectNode resp = r.putObject(e[1]).put("description", e[2]);
      resp.putObject("content").putObject("application/json").putObject("schema").put("$ref", ERROR);
      if (e[0].equals("429") || e[0].equals("503")) {
        ObjectNode h = resp.putObject("headers");
        h.putObject("Retry-After").put("$ref", "#/components/headers/Retry-After");
        if (e[0].equals("429")) {
          h.putObject("RateLimit").put("$ref", "#/components/headers/RateLimit");
          h.putObject("RateLimit-Policy").put("$ref", "#/components/headers/RateLimit-Policy");
        }
      }
    }
    return r;
  }

  private static String errorRef(String status) {
    for (String[] e : ERRORS) if (e[0].equals(status)) return "#/components/responses/" + e[1];
    throw new IllegalArgumentException(status);
  }

  private void securitySchemes(ObjectNode components) {
    AuthConfig auth = config.auth();
    if (!auth.enabled()) return;
    ObjectNode s = components.putObject("securitySchemes");
    if (!auth.issuers().isEmpty()) {
      List<String> issuers = auth.issuers().stream().map(AuthConfig.Issuer::issuer).sorted().toList();
      s.putObject("bearer").put("type", "http").put("scheme", "bearer").put("bearerFormat", "JWT")
          .put("description", "A JWT from one of these issuers: " + String.join(", ", issuers)
              + ". Scopes come from the token's scope claim.");
    }
    if (!auth.apiKeys().keys().isEmpty()) {
      s.putObject("apiKey").put("type", "apiKey").put("in", "header").put("name", auth.apiKeys().header())
          .put("description", "An API key issued for a tier; its scopes are the key's.");
    }
  }

  // ---- routes ----

  private void screen(Route r) {
    String screensPath = engine.config().screensPath();
    if (r.match() instanceof RouteMatch.Prefix) {
      ObjectNode op = operation(pathItem(screensPath + "/{name}"), "get", r, "screen_unknown");
      op.put("summary", "Any other screen name").put("description", "Answers 404 naming the known screens.");
      op.putArray("tags").add("screens");
      op.putArray("parameters").addObject().put("name", "name").put("in", "path").put("required", true)
          .putObject("schema").put("type", "string");
      ObjectNode responses = op.putObject("responses");
      responses.putObject("404").put("$ref", errorRef("404"));
      policyResponses(responses, r, false);
      return;
    }
    Screen screen = engine.screen(String.valueOf(r.source()));
    String path = ((RouteMatch.Exact) r.match()).path();
    ObjectNode op = operation(pathItem(path), "get", r, "screen_" + operationId(String.valueOf(r.source())));
    op.putArray("tags").add("screens");
    if (screen == null) { // the table and engine of a reload seen mid-swap: the next look has both
      op.put("summary", "Screen " + r.source()).putObject("responses").putObject("200").put("description", "the answer");
      return;
    }
    op.put("summary", "Screen " + screen.name()
        + (screen.operationName() != null ? " (query " + screen.operationName() + ")" : ""));
    op.put("description", "Runs the persisted operation:\n\n```graphql\n" + screen.query().strip() + "\n```");
    Document doc = Parser.parse(screen.query());
    OperationDefinition operation = doc.getDefinitionsOfType(OperationDefinition.class).get(0);
    ArrayNode params = op.putArray("parameters");
    for (VariableDefinition v : screen.variableDefinitions()) params.add(variable(v));
    ObjectNode responses = op.putObject("responses");
    ObjectNode ok = responses.putObject("200").put("description", "The answer; with " + PARTIAL_HEADER
        + ": true when some fields failed (data and errors both present).");
    ObjectNode h = ok.putObject("headers");
    h.putObject(PARTIAL_HEADER).put("$ref", "#/components/headers/" + PARTIAL_HEADER);
    h.putObject("ETag").put("$ref", "#/components/headers/ETag");
    ObjectNode answer = response(GraphqlJsonSchemas.data(engine.schema(), doc, operation));
    String component = "Screen_" + operationId(screen.name());
    schemas.set(component, answer);
    ok.putObject("content").putObject("application/json").putObject("schema").put("$ref", "#/components/schemas/" + component);
    responses.putObject("304").put("description", "Not modified: If-None-Match matched the ETag of the answer.");
    responses.putObject("400").put("$ref", errorRef("400"));
    ObjectNode failed = responses.putObject("502").put("description", "Every root field failed: data is null, errors"
        + " say why (" + PARTIAL_HEADER + ": true).");
    failed.putObject("content").putObject("application/json").putObject("schema").put("$ref", "#/components/schemas/" + component);
    policyResponses(responses, r, false);
  }

  private ObjectNode variable(VariableDefinition v) {
    ObjectNode p = F.objectNode().put("name", v.getName()).put("in", "query");
    boolean required = v.getType() instanceof NonNullType && v.getDefaultValue() == null;
    if (required) p.put("required", true);
    // A parameter is present or absent (then the default applies), never null: the top level is non-null.
    Type<?> present = v.getType() instanceof NonNullType ? v.getType() : NonNullType.newNonNullType(v.getType()).build();
    ObjectNode schema = GraphqlJsonSchemas.input(engine.schema(), present);
    if (v.getDefaultValue() != null) schema.set("default", GraphqlJsonSchemas.literal(v.getDefaultValue()));
    String gqlType = AstPrinter.printAst(v.getType());
    boolean json = "object".equals(schema.path("type").asText());
    if (json) {
      // An input object travels as JSON text in one parameter.
      p.put("description", "GraphQL type " + gqlType + ", as JSON text");
      p.putObject("content").putObject("application/json").set("schema", schema);
    } else {
      p.put("description", "GraphQL type " + gqlType + ("array".equals(schema.path("type").asText())
          ? "; a list is the parameter repeated (?" + v.getName() + "=a&" + v.getName() + "=b)" : ""));
      p.put("style", "form").put("explode", true);
      p.set("schema", schema);
    }
    return p;
  }

  private void graphql(Route r) {
    String path = ((RouteMatch.Exact) r.match()).path();
    ObjectNode item = pathItem(path);
    boolean adhoc = engine.config().adhocGraphql();
    String what = adhoc ? "Runs a GraphQL query (mutations over POST only)."
        : "Ad-hoc queries are off: only persisted queries run (the screens, by their SHA-256).";
    if (r.allows(HttpMethod.GET)) {
      ObjectNode get = operation(item, "get", r, "graphql_get");
      get.put("summary", "GraphQL over GET").put("description", what).putArray("tags").add("graphql");
      ArrayNode params = get.putArray("parameters");
      params.addObject().put("name", "query").put("in", "query").putObject("schema").put("type", "string");
      params.addObject().put("name", "operationName").put("in", "query").putObject("schema").put("type", "string");
      params.addObject().put("name", "variables").put("in", "query").put("description", "JSON text")
          .putObject("content").putObject("application/json").putObject("schema").put("type", "object");
      params.addObject().put("name", "extensions").put("in", "query").put("description", "JSON text")
          .putObject("content").putObject("application/json").putObject("schema").put("type", "object");
      graphqlResponses(get, r, false);
    }
    if (r.allows(HttpMethod.POST)) {
      ObjectNode post = operation(item, "post", r, "graphql_post");
      post.put("summary", "GraphQL over POST").put("description", what).putArray("tags").add("graphql");
      post.putObject("requestBody").put("required", true).putObject("content").putObject("application/json")
          .putObject("schema").put("$ref", "#/components/schemas/GraphQLRequest");
      graphqlResponses(post, r, true);
    }
  }

  private void graphqlResponses(ObjectNode op, Route r, boolean body) {
    ObjectNode responses = op.putObject("responses");
    ObjectNode ok = responses.putObject("200").put("description", "The GraphQL response; with application/json even a"
        + " request error is 200 (GraphQL over HTTP).");
    ObjectNode content = ok.putObject("content");
    content.putObject("application/json").putObject("schema").put("$ref", "#/components/schemas/GraphQLResponse");
    content.putObject(GRAPHQL_RESPONSE).putObject("schema").put("$ref", "#/components/schemas/GraphQLResponse");
    ObjectNode bad = responses.putObject("400").put("description", "A request error (parse, validation, limits) when"
        + " Accept names " + GRAPHQL_RESPONSE + ", or a malformed request.");
    bad.putObject("content").putObject(GRAPHQL_RESPONSE).putObject("schema").put("$ref", "#/components/schemas/GraphQLResponse");
    if (!body) responses.putObject("405").put("description", "A mutation over GET.");
    else responses.putObject("415").put("description", "A body that is not application/json.");
    policyResponses(responses, r, body);
  }

  private void proxy(Route r) {
    String prefix = ((RouteMatch.Prefix) r.match()).prefix();
    String base = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    ObjectNode item = pathItem(base + "/{path}");
    StringBuilder d = new StringBuilder("Passed through to the service as is (method, headers, body streamed); ")
        .append("the path is everything after ").append(prefix).append(" and may contain '/'. ")
        .append(prefix).append(" itself is served too.");
    if (!r.policy().rules().isEmpty()) {
      d.append(" Content rules pick the version of the service by the request:");
      for (RouteRuleConfig rule : r.policy().rules().configs()) {
        List<String> conds = new ArrayList<>();
        for (Condition c : rule.match()) conds.add(c.describe());
        d.append(" ").append(rule.name()).append(" (").append(String.join(" and ", conds)).append(");");
      }
    }
    List<String> methods = methods(r);
    for (String m : methods) {
      ObjectNode op = operation(item, m, r, "proxy_" + operationId(base) + "_" + m);
      op.put("summary", m.toUpperCase(Locale.ROOT) + " " + prefix + "/…").put("description", d.toString());
      op.putArray("tags").add("proxy");
      op.putArray("parameters").addObject().put("name", "path").put("in", "path").put("required", true)
          .put("description", "the rest of the path").putObject("schema").put("type", "string");
      ObjectNode responses = op.putObject("responses");
      responses.putObject("default").put("description", "The service's answer, passed through.");
      boolean body = !m.equals("get") && !m.equals("head") && !m.equals("options") && !m.equals("delete");
      policyResponses(responses, r, body);
      upstreamResponses(responses);
    }
  }

  private void transcode(Route r) {
    TranscodeStage.Route t = (TranscodeStage.Route) r.source();
    String template = ((RouteMatch.Template) r.match()).text();
    List<String> pathFields = new ArrayList<>();
    Matcher v = VARIABLE.matcher(template);
    StringBuilder path = new StringBuilder();
    ArrayNode params = F.arrayNode();
    while (v.find()) {
      String field = v.group(1);
      pathFields.add(field);
      v.appendReplacement(path, Matcher.quoteReplacement("{" + field + "}"));
      FieldDescriptor fd = fieldAt(t.grpc().input(), field);
      ObjectNode p = params.addObject().put("name", field).put("in", "path").put("required", true);
      if (v.group(2) != null) p.put("description", "matches " + v.group(2).substring(1) + " (may contain '/')");
      p.set("schema", fd == null ? F.objectNode().put("type", "string") : protos.field(fd));
    }
    v.appendTail(path);
    String m = t.method().name().toLowerCase(Locale.ROOT);
    ObjectNode op = operation(pathItem(path.toString()), m, r, operationId(r.name()) + "_" + m);
    op.put("summary", t.grpc().fullName()).putArray("tags").add("grpc");
    op.put("description", "Transcoded to the gRPC method " + t.grpc().fullName() + " (google.api.http). Query parameters"
        + " set request fields by their JSON name (repeated for repeated fields); path variables win.");
    Descriptor input = t.grpc().input();
    if (!"*".equals(t.body())) {
      for (FieldDescriptor f : input.getFields()) {
        if (pathFields.contains(f.getName()) || pathFields.contains(f.getJsonName()) || f.getName().equals(t.body())) continue;
        if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !f.isRepeated()) continue; // dotted paths: not listed
        if (f.isMapField()) continue;
        ObjectNode p = params.addObject().put("name", f.getJsonName()).put("in", "query");
        p.put("style", "form").put("explode", true);
        p.set("schema", protos.field(f));
      }
    }
    if (!params.isEmpty()) op.set("parameters", params);
    if (!t.body().isEmpty()) {
      FieldDescriptor bodyField = "*".equals(t.body()) ? null : fieldAt(input, t.body());
      ObjectNode schema = bodyField != null ? protos.field(bodyField) : protos.ref(input);
      op.putObject("requestBody").put("required", false).putObject("content").putObject("application/json")
          .set("schema", schema);
    }
    Descriptor output = t.grpc().output();
    FieldDescriptor answerField = t.responseBody().isEmpty() ? null : fieldAt(output, t.responseBody());
    ObjectNode answer = answerField != null ? protos.field(answerField) : protos.ref(output);
    ObjectNode responses = op.putObject("responses");
    ObjectNode ok = responses.putObject("200").put("description", t.grpc().serverStreaming()
        ? "The stream's messages: a JSON array, or NDJSON (one per line) when Accept names application/x-ndjson."
        : "The response message in proto3 JSON.");
    ObjectNode content = ok.putObject("content");
    if (t.grpc().serverStreaming()) {
      ObjectNode array = F.objectNode().put("type", "array");
      array.set("items", answer);
      content.putObject("application/json").set("schema", array);
      content.putObject("application/x-ndjson").set("schema", answer.deepCopy());
    } else {
      content.putObject("application/json").set("schema", answer);
    }
    responses.putObject("default").put("description", "A gRPC status other than OK, with the HTTP status of Google's"
        + " mapping (NOT_FOUND 404, INVALID_ARGUMENT 400, ...).").putObject("content").putObject("application/json")
        .putObject("schema").put("$ref", "#/components/schemas/GrpcStatus");
    policyResponses(responses, r, !t.body().isEmpty());
    upstreamResponses(responses);
  }

  private static FieldDescriptor fieldAt(Descriptor message, String dotted) {
    Descriptor d = message;
    FieldDescriptor f = null;
    for (String part : dotted.split("\\.")) {
      if (d == null) return null;
      f = d.findFieldByName(part);
      if (f == null) return null;
      d = f.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? f.getMessageType() : null;
    }
    return f;
  }

  private void grpcWeb(Route r) {
    GrpcConfig.Expose e = (GrpcConfig.Expose) r.source();
    ServiceDescriptor s = engine.grpc().service(e.grpcService());
    List<String> names = new ArrayList<>();
    if (s != null) for (MethodDescriptor m : s.getMethods()) names.add(m.getName());
    else names.add("{method}");
    for (String name : names) {
      ObjectNode op = operation(pathItem("/" + e.grpcService() + "/" + name), "post", r,
          "grpcweb_" + operationId(e.grpcService() + "_" + name));
      op.put("summary", "gRPC-Web " + e.grpcService() + "/" + name).putArray("tags").add("grpc-web");
      op.put("description", "gRPC-Web (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md): length-prefixed"
          + " protobuf frames; the status travels in the trailer frame (grpc-status, grpc-message).");
      if (name.equals("{method}")) {
        op.putArray("parameters").addObject().put("name", "method").put("in", "path").put("required", true)
            .putObject("schema").put("type", "string");
      }
      ObjectNode content = op.putObject("requestBody").put("required", true).putObject("content");
      for (String type : List.of("application/grpc-web+proto", "application/grpc-web-text")) {
        content.putObject(type).putObject("schema").put("type", "string").put("contentMediaType", type);
      }
      ObjectNode responses = op.putObject("responses");
      ObjectNode ok = responses.putObject("200").put("description", "The reply frames and the trailer frame.");
      ObjectNode okContent = ok.putObject("content");
      for (String type : List.of("application/grpc-web+proto", "application/grpc-web-text")) {
        okContent.putObject(type).putObject("schema").put("type", "string").put("contentMediaType", type);
      }
      policyResponses(responses, r, true);
    }
  }

  private void health(Route r) {
    String path = ((RouteMatch.Exact) r.match()).path();
    ObjectNode op = operation(pathItem(path), "get", r, "health_" + operationId(path));
    op.put("summary", path.endsWith("readyz") ? "Readiness" : "Liveness").putArray("tags").add("health");
    ObjectNode responses = op.putObject("responses");
    responses.putObject("200").put("description", "Up / ready.").putObject("content").putObject("application/json")
        .putObject("schema").put("type", "object");
    responses.putObject("503").put("description", "Not ready (starting or draining).").putObject("content")
        .putObject("application/json").putObject("schema").put("type", "object");
  }

  // ---- helpers ----

  private ObjectNode pathItem(String path) {
    ObjectNode item = (ObjectNode) paths.get(path);
    return item != null ? item : paths.putObject(path);
  }

  /** A new operation with the route's security and its name in {@code x-bff-route}. */
  private ObjectNode operation(ObjectNode item, String method, Route r, String operationId) {
    ObjectNode op = item.putObject(method).put("operationId", operationId).put("x-bff-route", r.name());
    // Health answers load balancers and never reads credentials: no security at all (an empty list).
    ArrayNode security = r.kind() == RouteKind.HEALTH ? (config.auth().enabled() ? F.arrayNode() : null) : security(r.policy());
    if (security != null) op.set("security", security);
    return op;
  }

  /** Which credentials the route takes: none, optional ({@code {}} among the alternatives) or required, with scopes. */
  private ArrayNode security(RoutePolicy p) {
    AuthConfig auth = config.auth();
    if (!auth.enabled()) return null;
    ArrayNode out = F.arrayNode();
    if (!p.authRequired() && p.scopes().isEmpty()) out.addObject(); // anonymous allowed
    List<String> scopes = new TreeSet<>(p.scopes()).stream().toList();
    if (!auth.issuers().isEmpty()) {
      ArrayNode s = out.addObject().putArray("bearer");
      scopes.forEach(s::add);
    }
    if (!auth.apiKeys().keys().isEmpty()) {
      ArrayNode s = out.addObject().putArray("apiKey");
      scopes.forEach(s::add);
    }
    return out;
  }

  /** The refusals the route's policy makes possible. */
  private void policyResponses(ObjectNode responses, Route r, boolean body) {
    RoutePolicy p = r.policy();
    if (p.authRequired()) responses.putObject("401").put("$ref", errorRef("401"));
    if (!p.scopes().isEmpty()) responses.putObject("403").put("$ref", errorRef("403"));
    if (body) responses.putObject("413").put("$ref", errorRef("413"));
    if (!p.rateLimits().isEmpty()) responses.putObject("429").put("$ref", errorRef("429"));
    if (r.kind() != RouteKind.HEALTH) {
      responses.putObject("503").put("$ref", errorRef("503"));
      responses.putObject("504").put("$ref", errorRef("504"));
    }
  }

  private static void upstreamResponses(ObjectNode responses) {
    if (!responses.has("502")) responses.putObject("502").put("$ref", errorRef("502"));
  }

  /** The route's methods that OpenAPI names (a custom method has no operation field). */
  private static List<String> methods(Route r) {
    if (r.methods().isEmpty()) return ALL_METHODS;
    Set<String> names = new TreeSet<>();
    for (HttpMethod m : r.methods()) {
      String name = m.name().toLowerCase(Locale.ROOT);
      if (ALL_METHODS.contains(name) || name.equals("trace")) names.add(name);
    }
    return List.copyOf(names);
  }

  /** Letters, digits and underscores: an operationId code generators take. */
  private static String operationId(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(Character.isLetterOrDigit(c) ? c : '_');
    }
    String out = b.toString().replaceAll("^_+|_+$", "").replaceAll("__+", "_");
    return out.isEmpty() ? "root" : out;
  }
}
