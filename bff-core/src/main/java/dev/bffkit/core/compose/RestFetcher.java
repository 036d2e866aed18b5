package dev.bffkit.core.compose;

import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.upstream.UpstreamRequest;
import graphql.schema.DataFetcher;
import graphql.schema.DataFetchingEnvironment;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.CompletableFuture;
import org.dataloader.DataLoader;
import org.dataloader.DataLoaderOptions;

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
      value = b.batch() != null ? loadBatched(env, scope) : fetch(env, cx);
    } catch (RuntimeException e) {
      value = CompletableFuture.failedFuture(e);
    }
    return value.handle((v, err) -> err == null ? v : FieldErrors.failed(env, b, err));
  }

  private CompletableFuture<Object> fetch(DataFetchingEnvironment env, ComposeContext cx) {
    Template.Values values = ref -> resolve(ref, env, cx);
    String uri = b.path().render(values);
    Buffer body = b.body() == null ? null : b.body().render(values);
    Deadline deadline = b.timeoutMs() > 0 ? cx.deadline().tighten(b.timeoutMs()) : cx.deadline();
    UpstreamRequest req = new UpstreamRequest(b.method(), uri, body == null ? null : JSON_HEADERS,
        body, deadline, cx.requestId());
    return UpstreamJson.fetch(cx, b.service(), req)
        .map(b.select()::select)
        .toCompletionStage().toCompletableFuture();
  }

  private CompletableFuture<Object> loadBatched(DataFetchingEnvironment env, RequestScope scope) {
    Object key = resolve(b.batch().keyRef(), env, scope.cx);
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

  static Object resolve(Template.Ref ref, DataFetchingEnvironment env, ComposeContext cx) {
    return switch (ref.root()) {
      case ARGS -> ref.path().select(env.getArguments());
      case SOURCE -> ref.path().select(env.getSource());
      case CTX -> ref.path().select(cx.ctx());
      case HEADER -> cx.headers() == null ? null : cx.headers().get(ref.name());
      case KEYS -> null;
    };
  }
}
