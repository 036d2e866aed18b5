package dev.bffkit.core.compose;
// STUB: replaced by the compose branch
public final class CompositionEngine {
  public static CompositionEngine create(dev.bffkit.core.config.ClientBundle b) { return new CompositionEngine(); }
}
