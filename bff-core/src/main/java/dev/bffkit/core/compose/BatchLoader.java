package dev.bffkit.core.compose;

import dev.bffkit.core.upstream.UpstreamRequest;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dataloader.DataLoader;
import org.dataloader.DataLoaderFactory;
import org.dataloader.DataLoaderOptions;

/**
 * The per-request DataLoader of one batched field: N keys become one GET on the batch path
 * with {@code {keys}} = the distinct keys comma-joined (DataLoader's cache drops duplicates,
 * {@code maxBatchSize} chunks). Answer items are matched back to keys by their key field,
 * compared as strings; a key without a match is null, not an error. A {@code @grpc} field's batch
 * is one call of its batch method instead ({@link GrpcFetch#batch}), matched the same way.
 */
final class BatchLoader {
  private BatchLoader() {}

  static DataLoaderOptions options(int maxBatchSize) {
    return DataLoaderOptions.newOptions().setMaxBatchSize(Math.max(1, maxBatchSize)).build();
  }

  static DataLoader<String, Object> create(RestBinding b, ComposeContext cx, DataLoaderOptions options) {
    return DataLoaderFactory.newDataLoader(b.batch().loaderName(),
        keys -> load(b, cx, keys).toCompletionStage(), options);
  }

  /** One batched call for these distinct keys; the answer lists each key's item (or null) in order. */
  static Future<List<Object>> load(RestBinding b, ComposeContext cx, List<String> keys) {
    return load(b, cx, keys, null);
  }

  /** As above, parsing only what {@code projection} wants of the answer (null: all of it). */
  static Future<List<Object>> load(RestBinding b, ComposeContext cx, List<String> keys, JsonProjection projection) {
    if (b.grpc() != null) return GrpcFetch.batch(b, cx, keys);
    RestBinding.Batch batch = b.batch();
    String uri;
    try {
      uri = batch.path().render(ref -> switch (ref.root()) {
        case KEYS -> keys;
        case CTX -> ref.path().select(cx.ctx());
        case HEADER -> cx.headers() == null ? null : cx.headers().get(ref.name());
        default -> null;
      });
    } catch (TemplateValueException e) {
      return Future.failedFuture(e);
    }
    var deadline = b.timeoutMs() > 0 ? cx.deadline().tighten(b.timeoutMs()) : cx.deadline();
    UpstreamRequest req = new UpstreamRequest(HttpMethod.GET, uri, cx.upstreamHeaders(null), null, deadline, cx.requestId(), b.hedge());
    return UpstreamJson.fetch(cx, b.service(), req, projection).map(json -> match(b, keys, json));
  }

  private static List<Object> match(RestBinding b, List<String> keys, Object json) {
    Object selected = b.batch().select().select(json);
    if (!(selected instanceof List<?> items)) {
      throw new FetchFailure("UPSTREAM_ERROR", b.service(), 0, b.service() + " answered without a list");
    }
    Map<String, Object> byKey = new HashMap<>(items.size() * 2);
    for (Object item : items) {
      if (item instanceof Map<?, ?> m) {
        Object k = m.get(b.batch().key());
        if (k != null) byKey.putIfAbsent(String.valueOf(k), item);
      }
    }
    List<Object> out = new ArrayList<>(keys.size());
    for (String k : keys) out.add(byKey.get(k));
    return out;
  }
}
