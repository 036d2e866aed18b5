package dev.bffkit.core.portal;

import dev.bffkit.core.admin.InlinePage;
import dev.bffkit.core.Bff.RunningBff;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code GET /portal/graphiql}: GraphiQL for the BFF's ad-hoc GraphQL endpoint, when that is on
 * ({@code composition.adhocGraphql}); else 404 saying how to turn it on. The page and its assets
 * ({@link GraphiqlAssets}) come from the jar and are served before the admin token check, as
 * {@code /portal} is (they hold no data); its queries go to {@code POST /portal/graphql}
 * ({@link GraphiqlRelay}), behind the check, with the developer's token from the page's field.
 *
 * <p>Content-Security-Policy: scripts only from this origin ({@code script-src 'self'}: no inline
 * script, no eval); fetches only to this origin. Styles: {@code 'self' 'unsafe-inline'}, because
 * GraphiQL 2 applies inline styles: with {@code style-src 'self'} alone Chromium refuses one ("Applying
 * inline style violates ... 'style-src 'self''") and the settings dialog never opens, as
 * GraphiqlBrowserTest saw. An inline style cannot run code or send data, and no other source is
 * allowed. Images and fonts: this origin and {@code data:} (graphiql.min.css embeds its fonts and
 * images as data: URLs).
 */
final class GraphiqlPage {
  static final String PATH = "/portal/graphiql";
  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
      + "connect-src 'self'; img-src 'self' data:; font-src 'self' data:; base-uri 'none'; form-action 'none'; "
      + "frame-ancestors 'none'";
  private static final String OFF = """
      GraphiQL is off on this BFF: its ad-hoc GraphQL endpoint is off (composition.adhocGraphql: false in bff.yaml).
      Set composition.adhocGraphql: true in bff.yaml (and reload) to turn it on; the screens stay at /portal.
      """;

  private final Supplier<RunningBff> live;
  private final Buffer html;

  private GraphiqlPage(Supplier<RunningBff> live, Buffer html) {
    this.live = live;
    this.html = html;
  }

  /**
   * The page and its assets before the admin token check, and the relay behind it. Reads the assets
   * here, at start-up, never on an event loop.
   */
  static void mount(Vertx vertx, Router router, String base, Supplier<RunningBff> live) {
    GraphiqlPage page = new GraphiqlPage(live, Buffer.buffer(template(GraphiqlAssets.urls(base))));
    router.get(base + "/graphiql").order(-1).handler(page::serve);
    router.get(base + "/assets/*").order(-1).handler(ctx -> GraphiqlAssets.serve(ctx, base));
    GraphiqlRelay.mount(vertx, router, base, live);
  }

  /** Whether GraphiQL has an endpoint to talk to: the live configuration's ad-hoc GraphQL switch. */
  static boolean on(RunningBff bff) {
    return bff.config().composition().adhocGraphql();
  }

  private void serve(RoutingContext ctx) {
    RunningBff bff = ClientRelay.ready(ctx, live.get());
    if (bff == null) return;
    if (!on(bff)) {
      ctx.response().setStatusCode(404).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").end(OFF);
      return;
    }
    InlinePage.serve(ctx, html, CSP);
  }

  /** graphiql.html with each {@code {{name}}} replaced by that asset's URL. */
  static String template(Map<String, String> urls) {
    String text;
    try (InputStream in = GraphiqlPage.class.getResourceAsStream("graphiql.html")) {
      if (in == null) throw new IllegalStateException("page resource missing: graphiql.html");
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (var u : urls.entrySet()) text = text.replace("{{" + u.getKey() + "}}", u.getValue());
    if (text.contains("{{")) throw new IllegalStateException("graphiql.html names an unknown asset");
    return text;
  }
}
