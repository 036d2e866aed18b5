package dev.bffkit.core.server;

import dev.bffkit.core.config.CorsConfig;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Stage;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * CORS for browser clients, before auth: a preflight ({@code OPTIONS} with {@code Origin} and
 * {@code Access-Control-Request-Method}) from an allowed origin is answered 204 here (browsers
 * send no credentials on preflights), from another origin 403. Other requests from an allowed
 * origin get {@code Access-Control-Allow-Origin} (the origin itself, with {@code Vary: Origin})
 * and the exposed headers; requests without {@code Origin} pass untouched. With gRPC-Web on, the
 * headers its browser clients send ({@code x-grpc-web}, {@code x-user-agent},
 * {@code grpc-timeout}) are allowed and the status headers of trailers-only answers
 * ({@code grpc-status}, {@code grpc-message}, {@code grpc-status-details-bin}) exposed, as
 * Envoy's gRPC-Web CORS example does; other response metadata is exposed by listing it in
 * {@code cors.exposeHeaders}.
 */
public final class CorsStage implements Stage {
  private final CorsConfig config;
  private final Set<String> origins;
  private final boolean any;
  private final String methods;
  private final String headers;
  private final String expose;
  private final String maxAge;

  private static final List<String> GRPC_WEB_REQUEST = List.of("x-grpc-web", "x-user-agent", "grpc-timeout");
  private static final List<String> GRPC_WEB_EXPOSE = List.of("grpc-status", "grpc-message", "grpc-status-details-bin");

  public CorsStage(CorsConfig config) {
    this(config, false);
  }

  /** {@code grpcWeb}: the BFF bridges gRPC-Web ({@code grpc.web} is set). */
  public CorsStage(CorsConfig config, boolean grpcWeb) {
    this.config = config;
    this.origins = Set.copyOf(config.allowOrigins());
    this.any = origins.contains("*");
    this.methods = String.join(", ", config.allowMethods());
    this.headers = String.join(", ", with(config.allowHeaders(), grpcWeb ? GRPC_WEB_REQUEST : List.of()));
    this.expose = String.join(", ", with(config.exposeHeaders(), grpcWeb ? GRPC_WEB_EXPOSE : List.of()));
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

  private static Set<String> with(Set<String> configured, List<String> more) {
    Set<String> out = new TreeSet<>(configured);
    for (String m : more) if (configured.stream().noneMatch(m::equalsIgnoreCase)) out.add(m);
    return out;
  }

  private void allowOrigin(HttpServerResponse resp, String origin) {
    resp.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, any && !config.allowCredentials() ? "*" : origin);
    if (!any || config.allowCredentials()) resp.headers().add(HttpHeaders.VARY, "Origin");
    if (config.allowCredentials()) resp.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
  }
}
