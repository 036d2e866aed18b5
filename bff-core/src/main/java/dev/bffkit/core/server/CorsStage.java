package dev.bffkit.core.server;

import dev.bffkit.core.config.CorsConfig;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Stage;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import java.util.Locale;
import java.util.Set;

/**
 * CORS for browser clients, before auth: a preflight ({@code OPTIONS} with {@code Origin} and
 * {@code Access-Control-Request-Method}) from an allowed origin is answered 204 here (browsers
 * send no credentials on preflights), from another origin 403. Other requests from an allowed
 * origin get {@code Access-Control-Allow-Origin} (the origin itself, with {@code Vary: Origin})
 * and the exposed headers; requests without {@code Origin} pass untouched.
 */
public final class CorsStage implements Stage {
  private final CorsConfig config;
  private final Set<String> origins;
  private final boolean any;
  private final String methods;
  private final String headers;
  private final String expose;
  private final String maxAge;

  public CorsStage(CorsConfig config) {
    this.config = config;
    this.origins = Set.copyOf(config.allowOrigins());
    this.any = origins.contains("*");
    this.methods = String.join(", ", config.allowMethods());
    this.headers = String.join(", ", config.allowHeaders());
    this.expose = String.join(", ", config.exposeHeaders());
    this.maxAge = Long.toString(config.maxAge().toSeconds());
  }

  @Override
  public void handle(Exchange ex, Next next) {
    String origin = ex.request().getHeader(HttpHeaders.ORIGIN);
    if (origin == null) {
      next.proceed(ex);
      return;
    }
    boolean allowed = any || origins.contains(origin);
    HttpServerResponse resp = ex.response();
    String requested = ex.request().getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
    if (ex.request().method() == HttpMethod.OPTIONS && requested != null) {
      if (!allowed || !config.allowMethods().contains(requested.trim().toUpperCase(Locale.ROOT))) {
        ex.fail(403, "cors_refused", "origin or method not allowed");
        return;
      }
      allowOrigin(resp, origin);
      resp.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, methods)
          .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, headers)
          .putHeader(HttpHeaders.ACCESS_CONTROL_MAX_AGE, maxAge)
          .setStatusCode(204).end();
      return;
    }
    if (allowed) {
      allowOrigin(resp, origin);
      if (!expose.isEmpty()) resp.putHeader(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, expose);
    }
    next.proceed(ex);
  }

  private void allowOrigin(HttpServerResponse resp, String origin) {
    resp.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, any && !config.allowCredentials() ? "*" : origin);
    if (!any || config.allowCredentials()) resp.headers().add(HttpHeaders.VARY, "Origin");
    if (config.allowCredentials()) resp.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
  }
}
