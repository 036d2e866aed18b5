package dev.bffkit.core.observe;

import java.io.IOException;
import java.io.PrintStream;

/** Where a {@link LineWriter}'s thread puts its batches: whole lines, each ending in {@code \n}. */
public interface LineSink extends AutoCloseable {
  /** Writes {@code len} bytes of whole lines and makes them visible (flushed; synced when the sink syncs). */
  void write(byte[] bytes, int len) throws IOException;

  @Override
  void close() throws IOException;

  /** The process's standard output (read once: tests and launchers may replace {@code System.out}). */
  static LineSink stdout() {
    PrintStream out = System.out;
    return new LineSink() {
      @Override
      public void write(byte[] bytes, int len) {
        out.write(bytes, 0, len);
        out.flush();
      }

      @Override
      public void close() {
        out.flush();
      }
    };
  }
}
