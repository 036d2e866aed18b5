package dev.bffkit.core.route;

import java.util.Locale;

/** What a route leads to; also its metric and log label. */
public enum RouteKind {
  /** A persisted screen: {@code GET {screensPath}/{name}}. */
  SCREEN,
  /** Ad-hoc GraphQL (and persisted queries) at {@code composition.graphqlPath}. */
  GRAPHQL,
  /** A plain proxy prefix ({@code routes:}), streamed to one service. */
  PROXY,
  /** A REST template transcoded to a gRPC method ({@code grpc.transcode}). */
  TRANSCODE,
  /** A gRPC service bridged for browsers ({@code grpc.web}). */
  GRPC_WEB,
  /** Liveness and readiness; built in, never behind auth. */
  HEALTH,
  /** The public developer portal ({@code portal.public.path}): its own router, its own developer-token check. */
  PORTAL;

  /** Lower-case label, e.g. {@code grpc_web}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
