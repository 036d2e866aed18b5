package dev.bffkit.core.route;

import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Stage;

/**
 * The end of the pipeline: hands the exchange to its route's target (a screen, GraphQL, a proxy
 * route, transcoding, gRPC-Web, health). Targets are built per event loop, indexed by route id.
 */
public final class TargetStage implements Stage {
  private final Stage[] targets;

  public TargetStage(Stage[] targets) {
    this.targets = targets.clone();
  }

  @Override
  public void handle(Exchange ex, Next next) {
    Route route = ex.route();
    if (route == null) {
      next.proceed(ex);
      return;
    }
    targets[route.id()].handle(ex, next);
  }
}
