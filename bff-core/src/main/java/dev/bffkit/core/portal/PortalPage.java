package dev.bffkit.core.portal;

import dev.bffkit.core.admin.InlinePage;
import io.vertx.ext.web.Router;

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

  private static final InlinePage PAGE = InlinePage.load(PortalPage.class, RESOURCE);

  private PortalPage() {}

  /** {@code base} ({@code /portal} on the admin listener), first of all routes (before the admin token check). */
  static void mount(Router router, String base) {
    router.get(base).order(-1).handler(PAGE::serve);
  }

  /** The Content-Security-Policy the page is served with. */
  static String contentSecurityPolicy() {
    return PAGE.contentSecurityPolicy();
  }
}
