package dev.bffkit.core.compose;

import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.upstream.UpstreamRequest;
import graphql.schema.DataFetcher;
import graphql.schema.DataFetchingEnvironment;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.dataloader.DataLoader;
import org.dataloader.DataLoaderOptions;
import io.vertx.core.Future;

/**
 * Fetches one {@code @rest} field. Returns a CompletableFuture completed from the Vert.x
 * future, so graphql-java runs independent fields concurrently and nothing blocks. Failures
 * never escape: they become null / {@code @fallback} plus an error (see {@link FieldErrors}).
 */
final class RestFetcher implements DataFetcher<CompletableFuture<Object>> {
  private static final MultiMap JSON_HEADERS =
      MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json");

  private final RestBinding b;
  private final DataLoaderOptions batchOptions;

  RestFetcher(RestBinding binding, DataLoaderOptions batchOptions) {
    this.b = binding;
    this.batchOptions = batchOptions;
  }

  @Override
  public CompletableFuture<Object> get(DataFetchingEnvironment env) {
    RequestScope scope = env.getGraphQlContext().get(RequestScope.class);
    ComposeContext cx = scope.cx;
    CompletableFuture<Object> value;
    try {
      value = b.batch() != null ? loadBatched(env, scope)
          : single(b, env.getArguments(), env.getSource(), cx).toCompletionStage().toCompletableFuture();
    } catch (RuntimeException e) {
      value = CompletableFuture.failedFuture(e);
    }
    return value.handle((v, err) -> err == null ? v : FieldErrors.failed(env, b, err));
  }

  RestBinding binding() {
    return b;
  }

  /**
   * One unbatched call of a binding: renders the templates from the field's arguments, its
   * parent object and the request, calls the service and selects the wanted part. Shared by this
   * fetcher and the screen plans ({@link PlanRun}). Template errors fail the future.
   */
  static Future<Object> single(RestBinding b, Map<String, Object> args, Object source, ComposeContext cx) {
    return single(b, args, source, cx, null);
  }

  /** As above, parsing only what {@code projection} wants of the answer (null: all of it). */
  static Future<Object> single(RestBinding b, Map<String, Object> args, Object source, ComposeContext cx,
      JsonProjection projection) {
    if (b.grpc() != null) return GrpcFetch.single(b, args, source, cx);
    String uri;
    Buffer body;
    Template.Values values = ref -> resolve(ref, args, source, cx);
    try {
      uri = b.path().render(values);
      body = b.body() == null ? null : b.body().render(values);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    Deadline deadline = b.timeoutMs() > 0 ? cx.deadline().tighten(b.timeoutMs()) : cx.deadline();
    if (CachedFetch.applies(b, cx)) {
      Set<String> tags = CachedFetch.tags(b, values);
      if (tags != null) return cached(b, cx, uri, body, deadline, tags, projection);
    }
    UpstreamRequest req = new UpstreamRequest(b.method(), uri, cx.upstreamHeaders(body == null ? null : JSON_HEADERS),
        body, deadline, cx.requestId(), b.hedge());
    return UpstreamJson.fetch(cx, b.service(), req, projection).map(b.select()::select);
  }

  /**
   * Through the field cache. A PUBLIC answer is shared by every caller, so it is fetched without the caller's
   * identity headers; the load outlives this client (followers may wait on it), so it does not carry its
   * cancellation, only its deadline.
   */
  private static Future<Object> cached(RestBinding b, ComposeContext cx, String uri, Buffer body,
      Deadline deadline, Set<String> tags, JsonProjection projection) {
    MultiMap extra = body == null ? null : JSON_HEADERS;
    MultiMap headers = b.cache().isPublic() ? extra : cx.upstreamHeaders(extra);
    String digest = body == null ? null : CacheBinding.digest(body.getBytes(), null);
    String key = CachedFetch.key(b, cx, b.method().name(), uri, digest);
    UpstreamRequest req = new UpstreamRequest(b.method(), uri, headers, body, deadline.withCancellation(null),
        cx.requestId(), b.hedge());
    return CachedFetch.lookup(b, cx, key, tags, deadline, () -> UpstreamJson.bytes(cx, b.service(), req))
        .map(l -> CachedFetch.read(cx, key, () -> b.select().select(UpstreamJson.parse(b.service(), 200, l.value(),
            projection))));
  }

  private CompletableFuture<Object> loadBatched(DataFetchingEnvironment env, RequestScope scope) {
    Object key = resolve(b.batch().keyRef(), env.getArguments(), env.getSource(), scope.cx);
    String k = Template.scalar(b.batch().keyRef(), key);
    if (k == null || k.isEmpty()) return CompletableFuture.completedFuture(null); // nothing to look up
    String name = b.batch().loaderName();
    DataLoader<String, Object> loader = env.getDataLoaderRegistry()
        .computeIfAbsent(name, n -> BatchLoader.create(b, scope.cx, batchOptions));
    CompletableFuture<Object> f = loader.load(k);
    // graphql-java dispatches a level once all its fields have been fetched, which can wait on
    // an unrelated slow sibling. Keys gathered during this event-loop turn are dispatched at the
    // end of the turn at the latest; whichever comes first sends the batch, the other finds it empty.
    Context vc = Vertx.currentContext();
    if (vc != null && scope.dispatchQueued.add(name)) {
      vc.runOnContext(v -> {
        scope.dispatchQueued.remove(name);
        loader.dispatch();
      });
    }
    return f;
  }

  static Object resolve(Template.Ref ref, Map<String, Object> args, Object source, ComposeContext cx) {
    return switch (ref.root()) {
      case ARGS -> ref.path().select(args);
      case SOURCE -> ref.path().select(source);
      case CTX -> ref.path().select(cx.ctx());
      case HEADER -> cx.headers() == null ? null : cx.headers().get(ref.name());
      case KEYS -> null;
    };
  }
}
