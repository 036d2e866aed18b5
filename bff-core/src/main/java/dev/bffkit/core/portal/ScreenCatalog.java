package dev.bffkit.core.portal;

import dev.bffkit.core.compose.ComposeResult;
import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.compose.Screen;
import dev.bffkit.core.compose.ScreenFacts;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.route.RouteTable;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The screens of one engine generation as the portal shows them: name and path, operation,
 * variables, the services its fields call, the route's policy ({@code screen:NAME}), the cache
 * headers it answers with and an example answer from the dry run with its size.
 *
 * <p>Built once per (engine, route table) pair, on the first request after a start or reload, on
 * the admin listener's event loop (the examples are plan runs, which belong on an event loop; a
 * few screens cost about a millisecond). A reload makes a new engine, so the next request builds
 * the next catalog: it never shows a screen the BFF no longer serves.
 */
final class ScreenCatalog {
  private final CompositionEngine engine;
  private final RouteTable routes;
  /** Screen name → its entry, in name order; completes once every example ran. */
  private final Future<Map<String, JsonObject>> entries;

  private ScreenCatalog(CompositionEngine engine, RouteTable routes) {
    this.engine = engine;
    this.routes = routes;
    List<Future<JsonObject>> all = new ArrayList<>();
    for (Screen s : engine.screens()) all.add(entry(s));
    this.entries = Future.join(all).transform(x -> {
      Map<String, JsonObject> byName = new LinkedHashMap<>();
      for (Future<JsonObject> f : all) {
        JsonObject e = f.result();
        byName.put(e.getString("name"), e);
      }
      return Future.succeededFuture(byName);
    });
  }

  /** Call on an event loop. */
  static ScreenCatalog of(CompositionEngine engine, RouteTable routes) {
    return new ScreenCatalog(engine, routes);
  }

  boolean isFor(CompositionEngine e, RouteTable r) {
    return engine == e && routes == r;
  }

  Future<JsonArray> all() {
    return entries.map(m -> new JsonArray(new ArrayList<>(m.values())));
  }

  /** The screen's entry, or null for an unknown name. */
  Future<JsonObject> one(String name) {
    return entries.map(m -> m.get(name));
  }

  private Future<JsonObject> entry(Screen s) {
    String path = engine.config().screensPath() + "/" + s.name();
    JsonArray variables = new JsonArray();
    for (ScreenFacts.Variable v : ScreenFacts.variables(s)) {
      variables.add(new JsonObject().put("name", v.name()).put("type", v.type()).put("default", v.defaultValue())
          .put("required", v.required()));
    }
    JsonArray calls = new JsonArray();
    TreeSet<String> services = new TreeSet<>();
    for (ScreenFacts.ServiceCall c : ScreenFacts.calls(engine, s)) {
      services.add(c.service());
      calls.add(new JsonObject().put("service", c.service()).put("field", c.field()).put("call", c.call())
          .put("batched", c.batched()).put("timeoutMs", c.timeoutMs()).put("fallback", c.fallback()));
    }
    Route route = routes.named("screen:" + s.name());
    if (route == null) route = routes.named("screen:*");
    JsonObject entry = new JsonObject()
        .put("name", s.name())
        .put("path", path)
        .put("operationName", s.operationName())
        .put("operation", s.query())
        .put("variables", variables)
        .put("services", new JsonArray(new ArrayList<>(services)))
        .put("calls", calls)
        .put("route", route == null ? null : route.name())
        .put("policy", route == null ? null : route.toJson().getJsonObject("policy"))
        .put("cache", new JsonObject()
            .put("cacheControl", ScreenFacts.cacheControl(engine, s))
            .put("etag", "weak (W/\"...\"), on complete answers only; If-None-Match with it answers 304")
            .put("partial", "X-BFF-Partial: true and no ETag when some fields failed"));
    return ScreenFacts.example(engine, s).transform(ar -> Future.succeededFuture(entry.put("example", example(ar.failed()
        ? null : ar.result(), ar.failed() ? ar.cause() : null))));
  }

  private static JsonObject example(ComposeResult r, Throwable failure) {
    if (r == null) {
      return new JsonObject().put("source", "dry-run").put("answer", null).put("bytes", 0)
          .put("note", "no example: " + (failure == null ? "the run failed" : failure.getMessage()));
    }
    Object answer;
    try {
      answer = Json.decodeValue(r.body());
    } catch (DecodeException e) {
      answer = null;
    }
    return new JsonObject()
        .put("source", "dry-run")
        .put("note", "run against instant empty answers: the shape is the screen's, the values are not")
        .put("answer", answer)
        .put("bytes", r.body().length())
        .put("complete", r.complete())
        .put("etag", r.complete() ? ScreenFacts.etagOf(r.body()) : null);
  }
}
