package dev.bffkit.core.pipeline;

/**
 * Called when a request is about to wait, its route known but its caller not yet verified (a key fetch, a remote
 * token check, a signature checked on a worker): the upstreams its route reaches can be made ready meanwhile, so its
 * calls leave the moment the wait ends. Must not block, and must do nothing that needs the caller's identity or has
 * side effects upstream.
 */
@FunctionalInterface
public interface WarmAhead {
  WarmAhead NONE = ex -> { };

  void warm(Exchange ex);
}
