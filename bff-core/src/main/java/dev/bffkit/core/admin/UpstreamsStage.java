package dev.bffkit.core.admin;

import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Stage;
import dev.bffkit.core.upstream.UpstreamRegistry;

/**
 * {@code GET /upstreamz}: per service, the breaker state (closed, open, half_open), each
 * endpoint's requests in flight, health and ejection, the bulkhead and the retry budget. The
 * same snapshot a metrics exporter reads ({@link UpstreamRegistry#snapshot()}).
 */
public final class UpstreamsStage implements Stage {
  private final UpstreamRegistry registry;

  public UpstreamsStage(UpstreamRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void handle(Exchange ex, Next next) {
    ex.respondJson(200, registry.snapshot().toBuffer());
  }
}
