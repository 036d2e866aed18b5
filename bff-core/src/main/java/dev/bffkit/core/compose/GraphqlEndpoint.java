package dev.bffkit.core.compose;
// STUB: replaced by the compose branch
public final class GraphqlEndpoint implements dev.bffkit.core.pipeline.Stage {
  public GraphqlEndpoint(CompositionEngine e, dev.bffkit.core.upstream.UpstreamCaller c, int max) {}
  public void handle(dev.bffkit.core.pipeline.Exchange ex, Next next) { ex.fail(501, "stub", "stub"); }
}
