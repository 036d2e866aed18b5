package dev.bffkit.core.compose;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Per-execution state kept in the GraphQLContext: the request's context and dispatch marks. */
final class RequestScope {
  final ComposeContext cx;
  /** Batch loaders with a dispatch already queued on the event loop (see {@link RestFetcher}). */
  final Set<String> dispatchQueued = ConcurrentHashMap.newKeySet(4);

  RequestScope(ComposeContext cx) {
    this.cx = cx;
  }
}
