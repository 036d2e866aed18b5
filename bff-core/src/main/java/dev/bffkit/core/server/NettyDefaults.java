package dev.bffkit.core.server;

/**
 * JVM-wide Netty settings the BFF chooses before anything loads Netty. Each yields to a value the
 * operator set with {@code -D}.
 *
 * <p>{@code io.netty.allocator.type=pooled}: Netty 4.2 made its adaptive allocator the default; on
 * the proxy route it took 6.7 % of the BFF's CPU (async-profiler), and the pooled allocator
 * answered a median 3-10 % more pass-through requests in alternating A/B rounds (screens: 1.02x,
 * within noise). Numbers and scripts: {@code load-tests/reports/issue-14/}.
 */
public final class NettyDefaults {
  private NettyDefaults() {}

  /** Call first in a main method, before Vert.x or Netty classes load. */
  public static void apply() {
    if (System.getProperty("io.netty.allocator.type") == null) System.setProperty("io.netty.allocator.type", "pooled");
  }
}
