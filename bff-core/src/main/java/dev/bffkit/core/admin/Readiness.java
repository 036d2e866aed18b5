package dev.bffkit.core.admin;

/** Shared by all event loops of one BFF: ready once every listener is up, not ready while draining. */
public final class Readiness {
  private volatile boolean ready;
  private volatile boolean draining;

  public void ready() { ready = true; }

  public void draining() { draining = true; }

  public boolean isReady() { return ready && !draining; }

  public boolean isDraining() { return draining; }
}
