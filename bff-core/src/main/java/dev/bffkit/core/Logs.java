package dev.bffkit.core;

/** One-line, key=value log records on stderr, ready for any log shipper (the launcher's and the demo's). */
public final class Logs {
  private Logs() {}

  /** Call first thing in a main, before anything logs (JUL reads the format once). */
  public static void configure() {
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format",
          "%1$tFT%1$tT.%1$tLZ level=%4$s logger=%3$s %5$s%6$s%n");
    }
  }

  /** A log line straight to stderr, in the same shape, for when logging may be shut down. */
  static void direct(String level, String message) {
    System.err.println(java.time.Instant.now() + " level=" + level + " logger=dev.bffkit " + message);
  }
}
