package dev.bffkit.core.pipeline;

/**
 * One step of the request life cycle (accept, parse, static filters, auth, route, ...), in
 * the style of Envoy's HTTP filters: a stage either answers the exchange itself (and does not
 * call {@code next}) or hands it on with {@code next.proceed(exchange)}, now or later (after
 * an asynchronous check). One concern per stage.
 */
@FunctionalInterface
public interface Stage {
  void handle(Exchange exchange, Next next);

  @FunctionalInterface
  interface Next {
    void proceed(Exchange exchange);
  }
}
