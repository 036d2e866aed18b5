package dev.bffkit.core.portal;

import dev.bffkit.core.admin.AdminServer;
import dev.bffkit.core.Bff.RunningBff;
import dev.bffkit.core.compose.Screen;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code POST /portal/try/{screen}} with {@code {"token": "...", "credential": "bearer"|"apiKey",
 * "variables": {"id": "p1", "tags": ["a", "b"]}}}: calls {@code GET {screensPath}/{screen}} on the
 * BFF's own client listener through the {@link ClientRelay} (why a relay, and CSRF: see there).
 */
final class ScreenTryOut {
  static final int MAX_VALUES = 64;
  private static final String SHAPE = "{\"token\": \"...\", \"credential\": \"bearer\"|\"apiKey\", "
      + "\"variables\": {\"name\": \"value\" or [\"values\"]}}";

  private final Supplier<RunningBff> live;
  private final ClientRelay relay;

  ScreenTryOut(Vertx vertx, Supplier<RunningBff> live) {
    this.live = live;
    this.relay = new ClientRelay(vertx);
  }

  void handle(RoutingContext ctx) {
    RunningBff bff = ClientRelay.ready(ctx, live.get());
    if (bff == null || !ClientRelay.isJson(ctx, "try-it request")) return;
    Screen screen = bff.engine().screen(ctx.pathParam("screen"));
    if (screen == null) {
      AdminServer.json(ctx, 404, AdminServer.error(404, "screen_not_found", "no such screen; see /portal/screens"));
      return;
    }
    String query;
    ClientRelay.Credential credential;
    try {
      Buffer body = ctx.body().buffer();
      JsonObject in = body == null || body.length() == 0 ? new JsonObject() : body.toJsonObject();
      query = query(in.getValue("variables"));
      credential = ClientRelay.Credential.of(in);
    } catch (RuntimeException e) {
      ClientRelay.badRequest(ctx, e, SHAPE);
      return;
    }
    String path = bff.config().composition().screensPath() + "/" + screen.name() + query;
    relay.forward(ctx, bff, bff.routes().named("screen:" + screen.name()),
        new RequestOptions().setMethod(HttpMethod.GET).setURI(path), credential, null,
        "portal_try", "screen=" + screen.name());
  }

  /** {@code ?a=1&tags=x&tags=y} from the variables object (strings, numbers, booleans, or lists of them). */
  static String query(Object variables) {
    if (variables == null) return "";
    if (!(variables instanceof JsonObject vars)) throw new IllegalArgumentException("variables is an object");
    StringBuilder q = new StringBuilder();
    int count = 0;
    for (Map.Entry<String, Object> e : vars) {
      List<?> values = e.getValue() instanceof JsonArray a ? a.getList() : Collections.singletonList(e.getValue());
      for (Object v : values) {
        if (v == null) continue;
        if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
          throw new IllegalArgumentException("variable '" + e.getKey() + "' is a string, number, boolean or list of them");
        }
        if (++count > MAX_VALUES) throw new IllegalArgumentException("at most " + MAX_VALUES + " values");
        q.append(q.length() == 0 ? '?' : '&').append(encode(e.getKey())).append('=').append(encode(v.toString()));
      }
    }
    return q.toString();
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
