package dev.bffkit.core.contract;

import dev.bffkit.core.config.ConfigFiles;
import dev.bffkit.core.config.GrpcConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.JsonSchema;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Response;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The services' OpenAPI 3.0/3.1 documents ({@code services.<name>.openapi}), read with vertx-openapi: each is
 * validated against the OpenAPI meta-schema and its {@code $ref}s resolved. A document that cannot be read is a
 * problem naming the bff.yaml line, and its service is then checked without a contract.
 */
final class OpenApiDocuments {
  private final Map<String, OpenAPIContract> byService = new LinkedHashMap<>();

  static OpenApiDocuments load(Vertx vertx, Map<String, GrpcConfig.Entry> entries, Path folder, List<Problem> problems) {
    OpenApiDocuments docs = new OpenApiDocuments();
    entries.forEach((service, e) -> {
      try {
        JsonObject json = parse(new String(ConfigFiles.read(e.location(), folder), StandardCharsets.UTF_8));
        OpenAPIContract c = OpenAPIContract.from(vertx, json).toCompletionStage().toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
        docs.byService.put(service, c);
      } catch (ConfigFiles.Unreadable u) {
        problems.add(at(e, "'" + e.location() + "' " + u.getMessage()));
      } catch (Exception x) {
        problems.add(at(e, "'" + e.location() + "' is not a valid OpenAPI 3 document: " + reasons(x)));
      }
    });
    return docs;
  }

  /** The causes' messages, outermost first, without repeats (the validator's names the JSON pointer). */
  private static String reasons(Throwable x) {
    List<String> out = new ArrayList<>();
    for (Throwable t = x instanceof ExecutionException && x.getCause() != null ? x.getCause() : x; t != null
        && out.size() < 4; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && !m.isBlank() && out.stream().noneMatch(m::contains)) out.add(m);
    }
    return String.join(": ", out);
  }

  private static Problem at(GrpcConfig.Entry e, String message) {
    return new Problem(e.pos().file(), e.pos().line(), e.pos().path() + ": " + message);
  }

  boolean has(String service) {
    return byService.containsKey(service);
  }

  /** The operation whose path template matches {@code path} (a BFF template's path part), or null. */
  Operation find(String service, HttpMethod method, List<String> segments) {
    for (Operation op : byService.get(service).operations()) {
      if (op.getHttpMethod().equals(method) && matches(op.getOpenAPIPath(), segments)) return op;
    }
    return null;
  }

  /** "GET /users/{id}, GET /users" for messages. */
  String operations(String service) {
    TreeSet<String> all = new TreeSet<>();
    for (Operation op : byService.get(service).operations()) all.add(op.getHttpMethod() + " " + op.getOpenAPIPath());
    return String.join(", ", all);
  }

  /** The JSON answer of a successful call: 200, else the first 2xx, else the default; ANY when none says. */
  static Shape answer(Operation op) {
    Response r = op.getResponse(200);
    for (int code = 201; r == null && code < 300; code++) r = op.getResponse(code);
    if (r == null) r = op.getDefaultResponse();
    if (r == null || r.getContent() == null) return Shape.ANY;
    for (Map.Entry<String, MediaType> m : r.getContent().entrySet()) {
      String type = m.getKey().toLowerCase();
      JsonSchema schema = m.getValue().getSchema();
      if ((type.startsWith("application/json") || type.endsWith("+json")) && schema != null) return Shape.of(json(schema));
    }
    return Shape.ANY;
  }

  /** The resolved schema's top level as JSON (its nested schemas are JSON already). */
  private static JsonObject json(JsonSchema schema) {
    JsonObject o = new JsonObject();
    for (String k : schema.fieldNames()) o.put(k, schema.get(k));
    return o;
  }

  /** Path segments equal, a {@code {param}} of the document matching any one segment. */
  static boolean matches(String template, List<String> segments) {
    String[] doc = template.split("/", -1);
    if (doc.length != segments.size()) return false;
    for (int i = 0; i < doc.length; i++) {
      String d = doc[i];
      String s = segments.get(i);
      if (d.startsWith("{") && d.endsWith("}")) continue;
      if (s.contains("{") || !d.equals(s)) return false;
    }
    return true;
  }

  /** YAML or JSON text to JSON, SnakeYAML's safe loader only (no Java objects from a document). */
  static JsonObject parse(String text) {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(200);
    Object root = new Yaml(new SafeConstructor(options)).load(text);
    if (!(root instanceof Map<?, ?> m)) throw new IllegalArgumentException("the document is not a mapping");
    return (JsonObject) jsonValue(m);
  }

  private static Object jsonValue(Object v) {
    if (v instanceof Map<?, ?> m) {
      JsonObject o = new JsonObject();
      m.forEach((k, x) -> o.put(String.valueOf(k), jsonValue(x)));
      return o;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object x : l) out.add(jsonValue(x));
      return new JsonArray(out);
    }
    if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) return v;
    return v.toString(); // dates and the like: text, as in JSON
  }
}
