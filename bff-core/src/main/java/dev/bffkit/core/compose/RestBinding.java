package dev.bffkit.core.compose;

import dev.bffkit.core.config.ServiceConfig;
import io.vertx.core.http.HttpMethod;

/**
 * A field's compiled {@code @rest} (+ {@code @timeout}, {@code @fallback}): everything needed
 * to fetch it, built once at start-up and shared by all event loops.
 */
record RestBinding(
    String typeName,
    String fieldName,
    String service,
    HttpMethod method,
    Template path,
    /** null when the call has no body. */
    JsonTemplate body,
    Selector select,
    /** null when the field is not batched. */
    Batch batch,
    /** 0 when the field has no {@code @timeout}. */
    long timeoutMs,
    boolean hasFallback,
    Object fallback,
    /** Non-null for a {@code @grpc} field (then {@code path} and {@code body} are null). */
    GrpcTarget grpc,
    /** {@code @hedge}: this field's calls are hedged whatever its service says; null = the service's setting. */
    ServiceConfig.Hedge hedge,
    /** Whether this field's errors name its service ({@code limits.graphql.serviceNamesInErrors}). */
    boolean serviceInErrors,
    /** {@code @cache}; null when the field is not cached. */
    CacheBinding cache) {

  /** A {@code @rest} field. */
  RestBinding(String typeName, String fieldName, String service, HttpMethod method, Template path, JsonTemplate body,
      Selector select, Batch batch, long timeoutMs, boolean hasFallback, Object fallback) {
    this(typeName, fieldName, service, method, path, body, select, batch, timeoutMs, hasFallback, fallback, null, null,
        false, null);
  }

  RestBinding(String typeName, String fieldName, String service, HttpMethod method, Template path, JsonTemplate body,
      Selector select, Batch batch, long timeoutMs, boolean hasFallback, Object fallback, GrpcTarget grpc,
      ServiceConfig.Hedge hedge) {
    this(typeName, fieldName, service, method, path, body, select, batch, timeoutMs, hasFallback, fallback, grpc, hedge,
        false, null);
  }

  /**
   * {@code @grpc(method:, request:, metadata:)}: the method, the request as a JSON template
   * (proto3 JSON mapping; null = the empty message), and metadata entries whose values are a
   * literal or one reference.
   */
  record GrpcTarget(dev.bffkit.core.grpc.GrpcMethod method, JsonTemplate request, java.util.List<Metadata> metadata,
      /** null when the field is not batched. */
      GrpcBatch batch) {}

  /**
   * {@code @grpc(batch: {method:, request:})}: the method that takes many keys, its request
   * template with one {@code {keys}} (a repeated field), and how keys are written into that field.
   */
  record GrpcBatch(dev.bffkit.core.grpc.GrpcMethod method, JsonTemplate request, GrpcKeys keys) {}

  /** One metadata entry: a literal value, or the value of {@code ref}. */
  record Metadata(String name, String literal, Template.Ref ref) {}

  /**
   * {@code batch:}: keys come from the single call's one {@code {source.x}} reference; one call
   * on {@code path} (or the gRPC batch method, then {@code path} is null) fetches them all;
   * items match keys by their {@code key} field.
   */
  record Batch(Template path, String key, Selector select, Template.Ref keyRef, String loaderName) {}

  String coordinates() { return typeName + "." + fieldName; }

  RestBinding withHedge(ServiceConfig.Hedge h) {
    return new RestBinding(typeName, fieldName, service, method, path, body, select, batch, timeoutMs, hasFallback,
        fallback, grpc, h, serviceInErrors, cache);
  }

  RestBinding withServiceInErrors(boolean named) {
    return new RestBinding(typeName, fieldName, service, method, path, body, select, batch, timeoutMs, hasFallback,
        fallback, grpc, hedge, named, cache);
  }

  RestBinding withCache(CacheBinding c) {
    return new RestBinding(typeName, fieldName, service, method, path, body, select, batch, timeoutMs, hasFallback,
        fallback, grpc, hedge, serviceInErrors, c);
  }
}
