package dev.bffkit.core.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.bffkit.core.config.GrpcConfig;
import dev.bffkit.core.pipeline.BodyReader;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Stage;
import dev.bffkit.core.route.RouteMatch;
import dev.bffkit.core.upstream.GrpcRequest;
import dev.bffkit.core.upstream.GrpcResponse;
import dev.bffkit.core.upstream.UpstreamCaller;
import dev.bffkit.core.upstream.UpstreamException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * REST → gRPC transcoding, like Envoy's grpc_json_transcoder: every method of the services in
 * {@code grpc.transcode} with a {@code google.api.http} rule (and its additional bindings) is
 * served at its path template, under the entry's optional prefix. The request message is built
 * from the query parameters (dotted field paths, repeated parameters for repeated fields), then
 * the body ({@code body: "*"} the whole message, {@code body: "field"} one field), then the path
 * variables; the answer is the response message in proto3 JSON (or its {@code response_body}
 * field). A non-OK status answers the HTTP status of Google's table with
 * {@code {"code": 5, "status": "NOT_FOUND", "message": "..."}}. Server streaming answers a JSON
 * array, or NDJSON (one message per line, streamed as it arrives) when the client accepts
 * {@code application/x-ndjson}; a stream that fails after its first line ends with an
 * {@code {"error": {...}}} line. Request headers travel as metadata ({@link GrpcMetadata}: all
 * but hop-by-hop, framing and the gateway's own; the caller's identity headers included), the
 * request's deadline as {@code grpc-timeout}.
 */
public final class TranscodeStage implements Stage {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String NDJSON = "application/x-ndjson";

  /** One HTTP binding of one method. */
  public record Route(HttpMethod method, PathTemplate path, GrpcMethod grpc, String service, String body,
      String responseBody) {
    /** The binding's path as the route table matches it. */
    public RouteMatch.Template routeMatch() {
      return new RouteMatch.Template(path.text(), path.literalPrefix(), path::match);
    }
  }

  private final UpstreamCaller upstreams;

  public TranscodeStage(UpstreamCaller upstreams) {
    this.upstreams = upstreams;
  }

  /** The routes of {@code grpc.transcode}; a service unknown to the descriptor sets names its bff.yaml line. */
  public static List<Route> routes(GrpcConfig config, DescriptorRegistry registry) {
    List<Route> out = new ArrayList<>();
    for (GrpcConfig.Expose e : config.transcode()) {
      Descriptors.ServiceDescriptor s = registry.service(e.grpcService());
      if (s == null) {
        throw e.pos().error("'" + e.grpcService() + "' is not a service of the descriptor sets; they define: "
            + String.join(", ", new TreeSet<>(registry.methods().keySet().stream()
                .map(m -> m.substring(0, m.indexOf('/'))).toList())));
      }
      int before = out.size();
      for (Descriptors.MethodDescriptor md : s.getMethods()) {
        GrpcMethod m = registry.method(s.getFullName() + "/" + md.getName());
        HttpRule rule = m.httpRule();
        if (rule == null || m.clientStreaming()) continue;
        add(out, e, m, rule);
        for (HttpRule extra : rule.getAdditionalBindingsList()) add(out, e, m, extra);
      }
      if (out.size() == before) throw e.pos().error("'" + e.grpcService() + "' has no method with a google.api.http rule");
    }
    return List.copyOf(out);
  }

  private static void add(List<Route> out, GrpcConfig.Expose e, GrpcMethod m, HttpRule rule) {
    String path;
    HttpMethod verb;
    switch (rule.getPatternCase()) {
      case GET -> { verb = HttpMethod.GET; path = rule.getGet(); }
      case POST -> { verb = HttpMethod.POST; path = rule.getPost(); }
      case PUT -> { verb = HttpMethod.PUT; path = rule.getPut(); }
      case PATCH -> { verb = HttpMethod.PATCH; path = rule.getPatch(); }
      case DELETE -> { verb = HttpMethod.DELETE; path = rule.getDelete(); }
      case CUSTOM -> { verb = HttpMethod.valueOf(rule.getCustom().getKind()); path = rule.getCustom().getPath(); }
      default -> { return; }
    }
    try {
      out.add(new Route(verb, PathTemplate.compile(e.prefix(), path), m, e.service(), rule.getBody(),
          rule.getResponseBody()));
    } catch (IllegalArgumentException ex) {
      throw e.pos().error(m.fullName() + ": " + ex.getMessage());
    }
  }

  /** The target of every transcoding route: the route table matched the binding and its path variables. */
  @Override
  public void handle(Exchange ex, Next next) {
    serve(ex, (Route) ex.route().source(), ex.pathParams());
  }

  private void serve(Exchange ex, Route r, Map<String, String> vars) {
    boolean wantsBody = !r.body().isEmpty();
    if (!wantsBody) {
      call(ex, r, vars, null);
      return;
    }
    BodyReader.whole(ex).onSuccess(body -> call(ex, r, vars, body));
  }

  private void call(Exchange ex, Route r, Map<String, String> vars, Buffer body) {
    HttpServerRequest req = ex.request();
    GrpcMethod m = r.grpc();
    DynamicMessage.Builder msg = m.newRequest();
    try {
      if (!"*".equals(r.body())) {
        ObjectNode query = MAPPER.createObjectNode();
        Set<String> bound = new TreeSet<>(vars.keySet());
        for (Map.Entry<String, String> q : req.params()) {
          if (bound.contains(q.getKey())) continue;
          put(query, q.getKey(), q.getValue(), true);
        }
        if (!query.isEmpty()) m.merge(query.toString(), msg);
      }
      if (body != null && body.length() > 0) {
        String json = body.toString(StandardCharsets.UTF_8);
        if ("*".equals(r.body())) {
          m.merge(json, msg);
        } else {
          ObjectNode wrap = MAPPER.createObjectNode();
          put(wrap, r.body(), null, false).set(last(r.body()), MAPPER.readTree(json));
          m.merge(wrap.toString(), msg);
        }
      }
      if (!vars.isEmpty()) {
        ObjectNode path = MAPPER.createObjectNode();
        for (Map.Entry<String, String> v : vars.entrySet()) put(path, v.getKey(), v.getValue(), false);
        // path variables replace what query or body said
        for (String f : vars.keySet()) clear(msg, f);
        m.merge(path.toString(), msg);
      }
    } catch (InvalidProtocolBufferException | com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
      grpcError(ex, 3, "request does not fit " + m.input().getFullName() + ": " + e.getMessage());
      return;
    } catch (RuntimeException e) {
      // a query key such as "." or "a..b" names no field path; the client's fault, never a 500
      grpcError(ex, 3, "request does not fit " + m.input().getFullName());
      return;
    }
    MultiMap metadata;
    try {
      metadata = GrpcMetadata.fromRequest(req.headers(), ex.identityHeaders());
    } catch (GrpcFault.Refused refused) {
      grpcError(ex, refused.fault().code(), refused.fault().message());
      return;
    }
    boolean ndjson = m.serverStreaming() && accepts(req.getHeader(HttpHeaders.ACCEPT), NDJSON);
    HttpServerResponse resp = ex.response();
    int[] sent = {0};
    GrpcRequest call = new GrpcRequest(m.fullName(), Buffer.buffer(msg.build().toByteArray()), metadata, ex.deadline(),
        ex.requestId(), !ndjson ? null : each -> {
          if (sent[0]++ == 0) {
            resp.setChunked(true).setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, NDJSON);
          }
          ex.write(line(m, each, r.responseBody()));
        });
    upstreams.grpc(r.service(), call).onComplete(ar -> {
      if (ex.deadline().cancelled()) return; // the client left: nobody to answer
      if (ar.failed()) {
        Throwable t = ar.cause();
        int code = t instanceof UpstreamException u && u.kind() == UpstreamException.Kind.TIMEOUT ? 4 : 14;
        String message = t instanceof UpstreamException ? t.getMessage() : "upstream failure";
        if (ndjson && sent[0] > 0) endWithError(ex, code, message);
        else grpcError(ex, code, message);
        return;
      }
      GrpcResponse g = ar.result();
      if (!g.ok()) {
        if (ndjson && sent[0] > 0) endWithError(ex, g.status(), g.statusMessage());
        else grpcError(ex, g.status(), g.statusMessage());
        return;
      }
      try {
        if (ndjson) {
          if (sent[0] == 0) resp.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, NDJSON);
          ex.end();
        } else if (m.serverStreaming()) {
          Buffer out = Buffer.buffer().appendByte((byte) '[');
          for (int i = 0; i < g.messages().size(); i++) {
            if (i > 0) out.appendByte((byte) ',');
            out.appendString(json(m, g.messages().get(i), r.responseBody()));
          }
          ex.respondJson(200, out.appendByte((byte) ']'));
        } else if (g.messages().isEmpty()) {
          grpcError(ex, 13, "the service answered no message");
        } else {
          ex.respondJson(200, Buffer.buffer(json(m, g.messages().get(0), r.responseBody())));
        }
      } catch (Exception e) {
        grpcError(ex, 13, "the service answered a message that does not fit " + m.output().getFullName());
      }
    });
  }

  private static Buffer line(GrpcMethod m, Buffer each, String responseBody) {
    try {
      return Buffer.buffer(json(m, each, responseBody)).appendByte((byte) '\n');
    } catch (Exception e) {
      return Buffer.buffer(errorJson(13, "the service answered a message that does not fit " + m.output().getFullName()))
          .appendByte((byte) '\n');
    }
  }

  private static String json(GrpcMethod m, Buffer message, String responseBody) throws Exception {
    String json = m.responseToJson(message);
    if (responseBody == null || responseBody.isEmpty()) return json;
    JsonNode n = MAPPER.readTree(json);
    for (String part : responseBody.split("\\.")) n = n == null ? null : n.get(camel(part));
    return n == null ? "null" : n.toString();
  }

  private static String camel(String field) {
    StringBuilder sb = new StringBuilder();
    boolean up = false;
    for (char c : field.toCharArray()) {
      if (c == '_') up = true;
      else {
        sb.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return sb.toString();
  }

  private static void endWithError(Exchange ex, int code, String message) {
    ex.end(Buffer.buffer("{\"error\":" + errorJson(code, message) + "}\n"));
  }

  /** The google.rpc.Status JSON form plus the status name. */
  static String errorJson(int code, String message) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("code", code);
    o.put("status", GrpcStatuses.name(code));
    o.put("message", message == null ? "" : message);
    return o.toString();
  }

  private static void grpcError(Exchange ex, int code, String message) {
    ex.respondJson(GrpcStatuses.httpStatus(code), Buffer.buffer(errorJson(code, message)));
  }

  /** Puts a value at a dotted field path; returns the parent object of the last segment. */
  private static ObjectNode put(ObjectNode root, String dotted, String value, boolean repeatable) {
    String[] parts = dotted.split("\\.");
    ObjectNode at = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonNode child = at.get(parts[i]);
      at = child instanceof ObjectNode o ? o : at.putObject(parts[i]);
    }
    String leaf = parts[parts.length - 1];
    if (value != null) {
      JsonNode old = at.get(leaf);
      if (repeatable && old != null) {
        ArrayNode arr = old instanceof ArrayNode a ? a : at.putArray(leaf).add(old);
        arr.add(value);
      } else {
        at.put(leaf, value);
      }
    }
    return at;
  }

  private static String last(String dotted) {
    int dot = dotted.lastIndexOf('.');
    return dot < 0 ? dotted : dotted.substring(dot + 1);
  }

  private static void clear(DynamicMessage.Builder msg, String dotted) {
    String[] parts = dotted.split("\\.");
    com.google.protobuf.Message.Builder at = msg;
    for (int i = 0; i < parts.length; i++) {
      Descriptors.FieldDescriptor f = at.getDescriptorForType().findFieldByName(parts[i]);
      if (f == null) return;
      if (i == parts.length - 1) {
        at.clearField(f);
      } else {
        if (f.getJavaType() != Descriptors.FieldDescriptor.JavaType.MESSAGE || f.isRepeated()) return;
        at = at.getFieldBuilder(f);
      }
    }
  }

  private static boolean accepts(String accept, String type) {
    return accept != null && accept.toLowerCase(java.util.Locale.ROOT).contains(type);
  }
}
