package dev.bffkit.core.compose;
// STUB: replaced by the compose branch
public final class ScreenEndpoint implements dev.bffkit.core.pipeline.Stage {
  public ScreenEndpoint(CompositionEngine e, dev.bffkit.core.upstream.UpstreamCaller c) {}
  public void handle(dev.bffkit.core.pipeline.Exchange ex, Next next) { ex.fail(501, "stub", "stub"); }
}
