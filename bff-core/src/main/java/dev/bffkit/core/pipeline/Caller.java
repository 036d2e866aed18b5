package dev.bffkit.core.pipeline;

import dev.bffkit.core.security.Principal;
import io.vertx.core.MultiMap;

/**
 * Who a request's upstream calls are made for, as routing sees it (a canary's matches and its
 * sticky key). Read when a call picks its endpoint, on the request's event loop; the principal
 * is null until auth has run, and for anonymous callers.
 */
public interface Caller {
  /** The verified caller; null when anonymous. */
  Principal principal();

  /** The client's request headers (not the ones sent upstream). */
  MultiMap requestHeaders();

  String requestId();
}
