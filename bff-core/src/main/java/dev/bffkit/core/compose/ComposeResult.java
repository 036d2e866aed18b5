package dev.bffkit.core.compose;

import graphql.ExecutionResult;
import io.vertx.core.buffer.Buffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One composition's answer, already serialized: {@code {"data":..., "errors":[...]}}.
 *
 * @param requestError the operation did not run (parse, validation or variable error): no data
 * @param hasFieldErrors some fields failed; data is partial
 * @param allFailed fields failed and nothing useful is left (data null, or every root field null)
 */
public record ComposeResult(Buffer body, boolean requestError, boolean hasFieldErrors, boolean allFailed) {

  static ComposeResult of(ExecutionResult er) {
    return of(er, (Map<String, Object>) null);
  }

  /** With the composition's own {@code extensions} (e.g. {@code cache}; null: none) next to graphql-java's. */
  static ComposeResult of(ExecutionResult er, Map<String, Object> extensions) {
    boolean requestError = !er.isDataPresent();
    boolean fieldErrors = !requestError && !er.getErrors().isEmpty();
    boolean allFailed = fieldErrors && allNull(er.getData());
    Map<String, Object> spec = er.toSpecification();
    if (extensions != null) {
      spec = new LinkedHashMap<>(spec);
      Map<String, Object> ext = new LinkedHashMap<>();
      if (spec.get("extensions") instanceof Map<?, ?> own) own.forEach((k, v) -> ext.put(String.valueOf(k), v));
      ext.putAll(extensions);
      spec.put("extensions", ext);
    }
    return new ComposeResult(Json.toBuffer(spec), requestError, fieldErrors, allFailed);
  }

  /** A plan's answer: the same shape graphql-java's {@code toSpecification()} gives. */
  static ComposeResult of(Object data, List<Map<String, Object>> errors) {
    return of(data, errors, null);
  }

  /** As above, with {@code extensions} (null: none). */
  static ComposeResult of(Object data, List<Map<String, Object>> errors, Map<String, Object> extensions) {
    Map<String, Object> spec = new LinkedHashMap<>(4);
    if (!errors.isEmpty()) spec.put("errors", errors);
    spec.put("data", data);
    if (extensions != null) spec.put("extensions", extensions);
    boolean fieldErrors = !errors.isEmpty();
    return new ComposeResult(Json.toBuffer(spec), false, fieldErrors, fieldErrors && allNull(data));
  }

  private static boolean allNull(Object data) {
    if (data == null) return true;
    if (!(data instanceof Map<?, ?> m)) return false;
    for (Object v : m.values()) {
      if (v != null) return false;
    }
    return true;
  }

  /** Whether the body is a complete answer (no errors at all). */
  public boolean complete() { return !requestError && !hasFieldErrors; }
}
