package dev.bffkit.core.admin;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * An admin page that is one HTML file from the jar with exactly one inline {@code <script>} and one
 * inline {@code <style>}: served with a Content-Security-Policy that allows those two blocks by their
 * SHA-256 and nothing else (no other host, no form posts, no framing), never cached. The status page
 * and the portal are such pages.
 */
public final class InlinePage {
  private final Buffer html;
  private final String csp;

  private InlinePage(String html) {
    this.html = Buffer.buffer(html.getBytes(StandardCharsets.UTF_8));
    this.csp = "default-src 'none'; script-src '" + hashOf(html, "<script>", "</script>") + "'; style-src '"
        + hashOf(html, "<style>", "</style>") + "'; connect-src 'self'; img-src data:; base-uri 'none'; "
        + "form-action 'none'; frame-ancestors 'none'";
  }

  /** The page {@code resource}, next to {@code owner} in the jar; a missing or malformed one fails the start. */
  public static InlinePage load(Class<?> owner, String resource) {
    try (InputStream in = owner.getResourceAsStream(resource)) {
      if (in == null) throw new IllegalStateException("page resource missing: " + resource);
      return new InlinePage(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String contentSecurityPolicy() {
    return csp;
  }

  public void serve(RoutingContext ctx) {
    serve(ctx, html, csp);
  }

  /** An HTML page with the headers every admin page carries: never cached or sniffed, its CSP, no referrer. */
  public static void serve(RoutingContext ctx, Buffer html, String csp) {
    ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .putHeader("x-content-type-options", "nosniff")
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        .putHeader("content-security-policy", csp)
        .putHeader("referrer-policy", "no-referrer")
        .end(html);
  }

  /** The CSP source of the one inline block between {@code open} and {@code close}. */
  static String hashOf(String html, String open, String close) {
    int from = html.indexOf(open);
    int to = html.indexOf(close, from + 1);
    if (from < 0 || to < 0 || html.indexOf(open, from + 1) >= 0) {
      throw new IllegalStateException("an admin page must have exactly one inline " + open + " block");
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(html.substring(from + open.length(), to).getBytes(StandardCharsets.UTF_8));
      return "sha256-" + Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
