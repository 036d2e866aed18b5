package dev.bffkit.core.pipeline;

import io.vertx.core.buffer.Buffer;

/**
 * Sees a request body pass through the {@link BodyReader} (whole, prefix and streamed reads
 * alike) without taking part in it: each chunk as it is read, then whether the body ended whole or
 * was cut (refused, or the client went away). At most one per request ({@link Exchange#bodyTap}).
 * Runs on the request's event loop; must not block, and a tap's own limits are its own business
 * (it never refuses the body for the target).
 */
public interface BodyTap {
  void chunk(Buffer chunk);

  /** The body ended and every chunk was seen. */
  void end();

  /** The body will not end whole: refused or abandoned by the client. */
  void abort();
}
