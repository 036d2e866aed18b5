package dev.bffkit.core.upstream;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/** A whole (aggregated) upstream answer. Streaming proxying does not use this type. */
public record UpstreamResponse(int status, MultiMap headers, Buffer body) {

  public boolean ok() {
    return status >= 200 && status < 300;
  }
}
