package dev.bffkit.core.portal;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * GraphiQL's scripts and styles, from the jar (no CDN: the portal works offline): React, ReactDOM and
 * GraphiQL's UMD builds from their WebJars, and the page's own script and style. Each is read once,
 * when the class loads, and served under {@code /portal/assets/} at a URL that changes with its
 * content (the WebJar's version, or a hash of the portal's own file), so it can be cached for a year
 * and marked immutable. Unknown paths are 404.
 */
final class GraphiqlAssets {
  static final String PREFIX = "/portal/assets/";
  private static final String WEBJARS = "META-INF/resources/webjars/";
  private static final String CACHE = "public, max-age=31536000, immutable";

  private record Asset(Buffer bytes, String type) {}

  /** URL path → asset; and the page's name for each asset → its URL path. */
  private static final Map<String, Asset> BY_PATH = new LinkedHashMap<>();
  private static final Map<String, String> URLS = new LinkedHashMap<>();

  static {
    webjar("react", "umd/react.production.min.js", "react.js");
    webjar("react-dom", "umd/react-dom.production.min.js", "react-dom.js");
    webjar("graphiql", "graphiql.min.js", "graphiql.js");
    webjar("graphiql", "graphiql.min.css", "graphiql.css");
    own("graphiql-page.js", "page.js");
    own("graphiql-page.css", "page.css");
  }

  private GraphiqlAssets() {}

  /** The URL path of the asset the page names {@code name} (react.js, graphiql.css, page.js, ...). */
  static String url(String name) {
    String u = URLS.get(name);
    if (u == null) throw new IllegalArgumentException("no asset " + name);
    return u;
  }

  /** Every asset's page name and URL path: the page template's placeholders. */
  static Map<String, String> urls() {
    return URLS;
  }

  /** Every asset's page name and URL path for a portal mounted at {@code base} ({@code /portal}: {@link #urls()}). */
  static Map<String, String> urls(String base) {
    if (base.equals(Portal.ADMIN_BASE)) return URLS;
    Map<String, String> out = new LinkedHashMap<>();
    URLS.forEach((name, path) -> out.put(name, base + path.substring(Portal.ADMIN_BASE.length())));
    return out;
  }

  /** The asset at the request's path, for a portal mounted at {@code base}. */
  static void serve(RoutingContext ctx, String base) {
    String path = ctx.normalizedPath();
    Asset a = path.startsWith(base + "/") ? BY_PATH.get(Portal.ADMIN_BASE + path.substring(base.length())) : null;
    if (a == null) {
      ctx.response().setStatusCode(404).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8").end("no such asset\n");
      return;
    }
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, a.type()).putHeader(HttpHeaders.CACHE_CONTROL, CACHE)
        .putHeader("x-content-type-options", "nosniff").end(a.bytes());
  }

  /** A file of the WebJar {@code artifact}, at {@code /portal/assets/{artifact}/{version}/{file}}. */
  private static void webjar(String artifact, String file, String name) {
    String version = version(artifact);
    byte[] bytes = read(WEBJARS + artifact + "/" + version + "/" + file);
    add(name, PREFIX + artifact + "/" + version + "/" + file.substring(file.lastIndexOf('/') + 1), bytes);
  }

  /** A file next to this class, at {@code /portal/assets/portal/{hash}/{file}}. */
  private static void own(String file, String name) {
    byte[] bytes = read("dev/bffkit/core/portal/" + file);
    add(name, PREFIX + "portal/" + sha256(bytes).substring(0, 12) + "/" + file, bytes);
  }

  private static void add(String name, String path, byte[] bytes) {
    String type = path.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
    BY_PATH.put(path, new Asset(Buffer.buffer(bytes), type));
    URLS.put(name, path);
  }

  /** The WebJar's version, from its Maven metadata: the pom pins it, the page follows. */
  private static String version(String artifact) {
    Properties p = new Properties();
    try (InputStream in = stream("META-INF/maven/org.webjars.npm/" + artifact + "/pom.properties")) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("version");
  }

  private static byte[] read(String resource) {
    try (InputStream in = stream(resource)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InputStream stream(String resource) {
    InputStream in = GraphiqlAssets.class.getClassLoader().getResourceAsStream(resource);
    if (in == null) throw new IllegalStateException("portal asset missing from the class path: " + resource);
    return in;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
