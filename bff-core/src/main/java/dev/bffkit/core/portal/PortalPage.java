package dev.bffkit.core.portal;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * {@code GET /portal}: one self-contained HTML file from the jar (inline CSS and plain JS, no
 * external asset, so it works offline), which reads {@code /portal/config} and
 * {@code /portal/screens} and draws every screen with DOM calls and {@code textContent} only (no
 * {@code innerHTML}: screen texts come from bundles). Served before the admin token check, as
 * {@code /status} is: the file is the same for every BFF and holds no data; when the JSON answers
 * 401 the page asks for the admin token and keeps it in the tab's memory.
 *
 * <p>Its Content-Security-Policy, in the status page's style: only the page's own inline style and
 * script (by SHA-256, computed once), fetches to the same origin, no forms posted anywhere, no
 * framing.
 */
final class PortalPage {
  static final String RESOURCE = "portal.html";
  static final String JSON = "application/json";

  private static final Buffer HTML;
  private static final String CSP;

  static {
    String html = load();
    HTML = Buffer.buffer(html.getBytes(StandardCharsets.UTF_8));
    CSP = "default-src 'none'; script-src '" + hashOf(html, "<script>", "</script>") + "'; style-src '"
        + hashOf(html, "<style>", "</style>") + "'; connect-src 'self'; img-src data:; base-uri 'none'; "
        + "form-action 'none'; frame-ancestors 'none'";
  }

  private PortalPage() {}

  /** {@code /portal}, first of all routes (before the admin token check). */
  static void mount(Router router) {
    router.get("/portal").order(-1).handler(PortalPage::page);
  }

  /** The Content-Security-Policy the page is served with. */
  static String contentSecurityPolicy() {
    return CSP;
  }

  private static void page(RoutingContext ctx) {
    ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .putHeader("x-content-type-options", "nosniff")
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        .putHeader("content-security-policy", CSP)
        .putHeader("referrer-policy", "no-referrer")
        .end(HTML);
  }

  private static String load() {
    try (InputStream in = PortalPage.class.getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IllegalStateException("portal page resource missing: " + RESOURCE);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The CSP source of the one inline block between {@code open} and {@code close}. */
  static String hashOf(String html, String open, String close) {
    int from = html.indexOf(open);
    int to = html.indexOf(close, from + 1);
    if (from < 0 || to < 0 || html.indexOf(open, from + 1) >= 0) {
      throw new IllegalStateException("portal page must have exactly one inline " + open + " block");
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
