package dev.bffkit.core.compose;

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
    Object fallback) {

  /**
   * {@code batch:}: keys come from the single-call path's one {@code {source.x}} reference;
   * one call on {@code path} fetches them all; items match keys by their {@code key} field.
   */
  record Batch(Template path, String key, Selector select, Template.Ref keyRef, String loaderName) {}

  String coordinates() { return typeName + "." + fieldName; }
}
