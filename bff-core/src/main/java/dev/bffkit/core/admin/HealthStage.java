package dev.bffkit.core.admin;

import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Stage;
import io.vertx.core.buffer.Buffer;

/**
 * {@code GET /healthz} (the process is alive) and {@code GET /readyz} (listening, not
 * draining, no dependency it cannot serve without down; a load balancer stops sending new
 * requests when it turns 503). Degraded dependencies are named in the body.
 */
public final class HealthStage implements Stage {
  private static final Buffer UP = Buffer.buffer("{\"status\":\"UP\"}");
  private static final Buffer NOT_READY = Buffer.buffer("{\"status\":\"NOT_READY\"}");
  private static final Buffer DRAINING = Buffer.buffer("{\"status\":\"DRAINING\"}");

  private final Readiness readiness;

  public HealthStage(Readiness readiness) {
    this.readiness = readiness;
  }

  @Override
  public void handle(Exchange ex, Next next) {
    String path = ex.request().path();
    if ("/healthz".equals(path)) {
      ex.respondJson(200, UP);
    } else if ("/readyz".equals(path)) {
      boolean ready = readiness.isReady();
      if (readiness.hasProblems()) ex.respondJson(ready ? 200 : 503, readiness.status().toBuffer());
      else if (ready) ex.respondJson(200, UP);
      else ex.respondJson(503, readiness.isDraining() ? DRAINING : NOT_READY);
    } else {
      next.proceed(ex);
    }
  }
}
