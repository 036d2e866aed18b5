package dev.bffkit.loadtests.jmh;

/** Bench set-up: waits (bounded) until a probe that needs the identity provider's keys passes. */
final class KeysLoaded {
  private KeysLoaded() {}

  static void await(Runnable probe) throws InterruptedException {
    for (int i = 0; i < 400; i++) {
      try {
        probe.run();
        return;
      } catch (RuntimeException notYet) {
        Thread.sleep(25);
      }
    }
    throw new IllegalStateException("keys never loaded");
  }
}
