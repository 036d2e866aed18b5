package dev.bffkit.loadtests.bench;

import java.io.PrintStream;
import java.util.Locale;

/** One updating line on stderr: scenario, system, bar, elapsed/total, rate, errors. */
final class ProgressBar implements AutoCloseable {
  private final LoadDriver driver;
  private final PrintStream err = System.err;
  private final boolean tty = System.console() != null;
  private final Thread thread;
  private volatile String scenario = "";
  private volatile boolean running = true;

  ProgressBar(LoadDriver driver) {
    this.driver = driver;
    this.thread = new Thread(this::loop, "progress");
    thread.setDaemon(true);
    thread.start();
  }

  void scenario(String name) {
    scenario = name;
    if (!tty) err.println("== " + name);
  }

  /** A finished measurement: one permanent line. */
  void done(LoadResult r) {
    synchronized (err) {
      err.print(tty ? "\r\033[K" : "");
      err.println("  " + r);
    }
  }

  private void loop() {
    while (running) {
      LoadDriver.Live l = driver.live();
      if (l != null && tty) {
        int width = 24;
        int filled = l.total() <= 0 ? 0 : (int) Math.min(width, width * l.elapsed() / l.total());
        String line = String.format(Locale.ROOT, "\r\033[K%s | %s [%s%s] %.1f/%.1f s  %.0f req/s  errors %d",
            scenario, l.system(), "#".repeat(filled), ".".repeat(width - filled), l.elapsed(), l.total(), l.rate(), l.errors());
        synchronized (err) {
          err.print(line);
          err.flush();
        }
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    if (tty) err.print("\r\033[K");
  }
}
