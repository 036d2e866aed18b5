package dev.bffkit.core.compose.incremental;

import java.util.List;
import java.util.Map;

/**
 * Where an incremental run delivers its payloads, in the shape of the incremental delivery RFC
 * as Apollo speaks it ({@code deferSpec=20220824}): first {@link #initial} once, then
 * {@link #next} until {@code hasNext} is false. Called on the run's event loop.
 */
public interface IncrementalSink {
  /** The initial payload: {@code {errors?, data, hasNext}}; {@code errors} may be empty. */
  void initial(Object data, List<Map<String, Object>> errors, boolean hasNext);

  /**
   * Subsequent payloads ready together: each {@code {data|items, path, label?, errors?}}, parents
   * before children; the list is empty for a last {@code {hasNext:false}}.
   */
  void next(List<Map<String, Object>> incremental, boolean hasNext);
}
