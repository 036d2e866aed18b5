package dev.bffkit.core.route;

import dev.bffkit.core.config.Condition;
import dev.bffkit.core.config.RouteRuleConfig;
import dev.bffkit.core.pipeline.CallerConditions;
import dev.bffkit.core.pipeline.Exchange;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.pointer.JsonPointer;
import java.util.ArrayList;
import java.util.List;

/**
 * A route's content rules, compiled once with the route table: which destination a request goes
 * to by its headers, cookies, query, the verified principal's claims and fields of its JSON body.
 * Precedence is the route table's first (path, then method), then the rules in the order written:
 * the first whose every condition holds wins; when none holds, the route's own service.
 *
 * <p>Claims are read after authentication (the target runs after {@code AuthStage}); a body field
 * only when a rule needs one, from a JSON body read whole up to {@link #BODY_LIMIT} by the
 * bounded body reader. A body that is longer, not JSON or not valid JSON holds no body condition.
 * Matching is plain string comparison: no regex, no allocation beyond what the request's own
 * parsers (query, JSON) make.
 */
public final class ContentRules {
  /** How much of a body content routing reads to find a field; a longer body matches no body condition. */
  public static final int BODY_LIMIT = 64 * 1024;
  public static final ContentRules NONE = new ContentRules(List.of());

  private final List<RouteRuleConfig> configs;
  private final Test[][] rules;
  private final boolean readsBody;

  private ContentRules(List<RouteRuleConfig> configs) {
    this.configs = List.copyOf(configs);
    this.rules = new Test[configs.size()][];
    boolean body = false;
    for (int i = 0; i < rules.length; i++) {
      List<Condition> match = configs.get(i).match();
      rules[i] = new Test[match.size()];
      for (int j = 0; j < match.size(); j++) rules[i][j] = new Test(match.get(j));
      body |= configs.get(i).readsBody();
    }
    this.readsBody = body;
  }

  public static ContentRules compile(List<RouteRuleConfig> configs) {
    return configs.isEmpty() ? NONE : new ContentRules(configs);
  }

  public boolean isEmpty() {
    return rules.length == 0;
  }

  /** The rules as written, index-aligned with {@link #pick}'s answer. */
  public List<RouteRuleConfig> configs() {
    return configs;
  }

  /** Some rule tests a body field: the body must be read (up to {@link #BODY_LIMIT}) before the pick. */
  public boolean readsBody() {
    return readsBody;
  }

  /**
   * The index of the first rule that holds for this request, or -1 (the route's own service).
   * {@code body}: the parsed JSON body ({@link #json}), or null when none was read.
   */
  public int pick(Exchange ex, Object body) {
    outer:
    for (int i = 0; i < rules.length; i++) {
      for (Test t : rules[i]) if (!t.holds(ex, body)) continue outer;
      return i;
    }
    return -1;
  }

  /** A body as content routing reads it: the JSON object or array, or null when it is not JSON. */
  public static Object json(Buffer body, String contentType) {
    if (body == null || body.length() == 0 || !isJson(contentType)) return null;
    try {
      Object v = Json.decodeValue(body);
      return v instanceof JsonObject || v instanceof JsonArray ? v : null;
    } catch (DecodeException e) {
      return null; // a malformed body is the service's to judge; it just matches no body condition
    }
  }

  /** {@code application/json} or a {@code +json} type (RFC 6839 §3.1), parameters aside. */
  public static boolean isJson(String contentType) {
    if (contentType == null) return false;
    int semi = contentType.indexOf(';');
    String type = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
    return type.equalsIgnoreCase("application/json")
        || type.regionMatches(true, type.length() - 5, "+json", 0, 5) && type.length() > 5;
  }

  /** One line for the route table. */
  public String describe() {
    List<String> out = new ArrayList<>();
    for (RouteRuleConfig r : configs) {
      List<String> c = new ArrayList<>();
      for (Condition x : r.match()) c.add(x.describe());
      out.add(r.name() + "(" + String.join(" & ", c) + " -> " + destination(r) + ")");
    }
    return String.join(",", out);
  }

  /** Where a rule sends its requests: {@code posts-v2}, {@code posts{version=v2}}. */
  public static String destination(RouteRuleConfig r) {
    String s = r.service() == null ? "" : r.service();
    return r.subset().isEmpty() ? s : s + r.subset().toString().replace(", ", ",");
  }

  /** One compiled condition. */
  private static final class Test {
    private final Condition condition;
    private final HttpMethod[] methods;
    private final RouteMatch.Prefix path;
    private final JsonPointer pointer;

    Test(Condition c) {
      this.condition = c;
      HttpMethod[] m = new HttpMethod[c.source() == Condition.Source.METHOD ? c.values().size() : 0];
      for (int i = 0; i < m.length; i++) m[i] = HttpMethod.valueOf(c.values().get(i));
      this.methods = m;
      this.path = c.source() == Condition.Source.PATH ? new RouteMatch.Prefix(c.name()) : null;
      this.pointer = c.source() == Condition.Source.BODY ? JsonPointer.from(c.name()) : null;
    }

    boolean holds(Exchange ex, Object body) {
      HttpServerRequest req = ex.request();
      return switch (condition.source()) {
        case METHOD -> {
          for (HttpMethod m : methods) if (m.equals(req.method())) yield true;
          yield false;
        }
        case PATH -> path.matches(req.path());
        case HEADER, COOKIE, CLAIM -> CallerConditions.holds(condition, req.headers(), ex.principal());
        case QUERY -> req.query() != null && anyOf(req.params().getAll(condition.name()));
        case BODY -> body != null && value(pointer.queryJson(body));
      };
    }

    /** A JSON value: present, or its text one of the values (an array: any element). */
    private boolean value(Object v) {
      if (v == null) return false;
      if (v instanceof JsonArray a) {
        for (Object x : a) {
          if (x != null && !(x instanceof JsonObject) && !(x instanceof JsonArray) && is(String.valueOf(x))) return true;
        }
        return condition.values().isEmpty();
      }
      if (v instanceof JsonObject) return condition.values().isEmpty();
      return is(String.valueOf(v));
    }

    private boolean anyOf(List<String> got) {
      for (String g : got) if (is(g)) return true;
      return false;
    }

    private boolean is(String got) {
      return CallerConditions.is(got, condition.values());
    }
  }
}
