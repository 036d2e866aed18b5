package dev.bffkit.core.portal;

import dev.bffkit.core.admin.AdminServer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.SourceFile;
import dev.bffkit.core.route.RouteTable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The API documents on the admin listener: {@code GET /openapi.json} ({@link OpenApiDocument}) and
 * {@code GET /schema.graphql} ({@link ContractSdl}). They follow reloads: each request reads the live route table and
 * engine, and the documents are generated once per (table, engine, version), on a worker, then served from memory.
 */
public final class ApiDocsPages {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.portal");
  private static final ObjectMapper MAPPER = new ObjectMapper();
  public static final String OPENAPI_PATH = "/openapi.json";
  public static final String SDL_PATH = "/schema.graphql";

  /** The documents of one generation. */
  record Docs(Buffer openapi, Buffer sdl) {}

  /** What the cached documents were made from: compared by identity, so a reload (new table) regenerates. */
  private record Key(RouteTable routes, CompositionEngine engine, String version) {
    boolean same(Key o) {
      return o.routes == routes && o.engine == engine && Objects.equals(o.version, version);
    }
  }

  private record Cached(Key key, Future<Docs> docs) {}

  private final Supplier<RouteTable> routes;
  private final Supplier<CompositionEngine> engine;
  private final Supplier<ClientBundle> bundle;
  private final Supplier<String> version;
  private final AtomicReference<Cached> cached = new AtomicReference<>();

  private ApiDocsPages(Supplier<RouteTable> routes, Supplier<CompositionEngine> engine, Supplier<ClientBundle> bundle,
      Supplier<String> version) {
    this.routes = routes;
    this.engine = engine;
    this.bundle = bundle;
    this.version = version;
  }

  /**
   * Adds the two pages to the admin router (before the admin listener starts; its token check runs first). The
   * suppliers give the live generation; {@code version} the reloader's content version, or null when the BFF does
   * not reload (then a hash of the bundle's schema and screens stands in).
   */
  public static ApiDocsPages mount(Router adminRouter, Supplier<RouteTable> routes, Supplier<CompositionEngine> engine,
      Supplier<ClientBundle> bundle, Supplier<String> version) {
    ApiDocsPages pages = new ApiDocsPages(routes, engine, bundle, version);
    pages.mountAt(adminRouter, "");
    return pages;
  }

  /** The same two documents (one cache) under {@code base} on another router: the public portal's. */
  public void mountAt(Router router, String base) {
    router.get(base + OPENAPI_PATH).handler(ctx -> serve(ctx, Docs::openapi, "application/json"));
    router.get(base + SDL_PATH).handler(ctx -> serve(ctx, Docs::sdl, "text/plain; charset=utf-8"));
  }

  private void serve(RoutingContext ctx, Function<Docs, Buffer> part, String type) {
    docs(ctx.vertx()).onComplete(ar -> {
      if (ctx.response().ended() || ctx.response().closed()) return;
      if (ar.failed()) {
        LOG.log(Level.WARNING, "event=api_docs_failed path=" + ctx.request().path() + " error=" + ar.cause(), ar.cause());
        AdminServer.json(ctx, 500, AdminServer.error(500, "api_docs_failed",
            "the API documents could not be generated; the log has why"));
        return;
      }
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, type).putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
          .end(part.apply(ar.result()));
    });
  }

  /** The documents of the live generation: the cached ones, or generated once on a worker. */
  Future<Docs> docs(Vertx vertx) {
    Key key = new Key(routes.get(), engine.get(), version.get());
    Cached c = cached.get();
    if (c != null && c.key().same(key)) return c.docs();
    ClientBundle b = bundle.get();
    Future<Docs> made = vertx.executeBlocking(() -> generate(key, b), false);
    Cached next = new Cached(key, made);
    // Two first requests may both generate; the cache keeps one of them, both answer correctly.
    cached.set(next);
    made.onFailure(e -> cached.compareAndSet(next, null)); // a failure is not remembered
    return made;
  }

  private static Docs generate(Key key, ClientBundle bundle) throws JsonProcessingException {
    String v = key.version() != null ? key.version() : contentVersion(bundle);
    byte[] openapi = MAPPER.writerWithDefaultPrettyPrinter()
        .writeValueAsBytes(OpenApiDocument.build(key.routes(), key.engine(), bundle.config(), v));
    String sdl = ContractSdl.of(key.engine());
    return new Docs(Buffer.buffer(openapi), Buffer.buffer(sdl.getBytes(StandardCharsets.UTF_8)));
  }

  /** 64 bits of a SHA-256 over the schema and screens (names and text): a version when nothing reloads. */
  static String contentVersion(ClientBundle bundle) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      update(sha, bundle.schema());
      for (SourceFile s : bundle.screens()) update(sha, s);
      return HexFormat.of().formatHex(sha.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static void update(MessageDigest sha, SourceFile f) {
    sha.update(f.name().getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
    sha.update(f.text().getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
  }
}
