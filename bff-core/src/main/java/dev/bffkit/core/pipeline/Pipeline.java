package dev.bffkit.core.pipeline;

import java.util.List;

/**
 * The ordered stage chain, built once. The chain is precomputed as linked {@link Stage.Next}
 * objects so that running it allocates nothing per request.
 */
public final class Pipeline {
  private final Stage.Next head;

  public Pipeline(List<Stage> stages) {
    Stage.Next next = ex -> {
      if (!ex.answered()) ex.fail(404, "not_found", "no route for " + ex.request().path());
    };
    for (int i = stages.size() - 1; i >= 0; i--) {
      Stage stage = stages.get(i);
      Stage.Next after = next;
      next = ex -> {
        try {
          stage.handle(ex, after);
        } catch (RuntimeException e) {
          Failures.internal(ex, stage.getClass().getSimpleName(), e);
        }
      };
    }
    this.head = next;
  }

  public void run(Exchange exchange) {
    head.proceed(exchange);
  }
}
