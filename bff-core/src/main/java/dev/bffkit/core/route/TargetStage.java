package dev.bffkit.core.route;

import dev.bffkit.core.pipeline.Cancellation;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Stage;

/**
 * The end of the pipeline: hands the exchange to its route's target (a screen, GraphQL, a proxy
 * route, transcoding, gRPC-Web, health). Targets are built per event loop, indexed by route id.
 * Every target that calls services gets the request's {@link Cancellation} first (carried by its
 * deadline), so a client that leaves cancels whatever calls it caused, on every route kind.
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
    if (route.kind() != RouteKind.HEALTH) Cancellation.watch(ex);
    targets[route.id()].handle(ex, next);
  }
}
