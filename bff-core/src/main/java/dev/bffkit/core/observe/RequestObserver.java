package dev.bffkit.core.observe;

/**
 * Reads a request's {@link RequestLog} once, when its answer has ended or its client has gone,
 * on the request's event loop. Must not block: an observer that writes files hands the line to
 * its own thread through a bounded queue.
 */
@FunctionalInterface
public interface RequestObserver {
  void completed(RequestLog log);
}
