package dev.bffkit.core.compose;

import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.upstream.GrpcRequest;
import dev.bffkit.core.upstream.GrpcResponse;
import dev.bffkit.core.upstream.UpstreamCaller;
import dev.bffkit.core.upstream.UpstreamRequest;
import dev.bffkit.core.upstream.UpstreamResponse;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs every screen once as the BFF becomes ready, against instant empty answers ({@code {}} for
 * HTTP, an empty message for gRPC) and no network. A JVM's first request is slow for reasons
 * that have nothing to do with the services: classes load and the request path runs interpreted
 * for the first time (about 300 classes, a hundred milliseconds and more on a busy machine). That
 * first request would pay it against its fields' {@code @timeout}s and could answer fallbacks.
 * The answers are wrong on purpose (fields come out null or in error); only the path is exercised.
 * It runs just after ready rather than before: on two cores it cost the start ~120 ms, more than
 * it saves the first request, which in practice arrives later than that.
 */
final class DryRun implements UpstreamCaller {
  private static final MultiMap JSON = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json");
  private static final MultiMap NO_TRAILERS = MultiMap.caseInsensitiveMultiMap();

  private DryRun() {}

  /** Runs each screen of {@code engine} once; call on an event loop. Never fails. */
  static Future<Void> screens(CompositionEngine engine) {
    DryRun caller = new DryRun();
    List<Future<ComposeResult>> runs = new ArrayList<>();
    for (Screen s : engine.screens()) {
      ComposeContext cx = new ComposeContext(caller, Deadline.inMillis(1_000), "dry-run", Map.of("sub", "dry-run"),
          MultiMap.caseInsensitiveMultiMap(), null, null);
      try {
        runs.add(engine.run(s, Map.of(), cx));
      } catch (RuntimeException e) {
        // a screen that needs variables, say: the others still warm the path
      }
    }
    return Future.join(runs).otherwiseEmpty().mapEmpty();
  }

  /** One run of {@code screen} with {@code variables} against the same empty answers: an example of its shape (the portal). */
  static Future<ComposeResult> example(CompositionEngine engine, Screen screen, Map<String, Object> variables) {
    ComposeContext cx = new ComposeContext(new DryRun(), Deadline.inMillis(1_000), "dry-run", Map.of("sub", "dry-run"),
        MultiMap.caseInsensitiveMultiMap(), null, null);
    return engine.run(screen, variables, cx);
  }

  @Override
  public Future<UpstreamResponse> call(String service, UpstreamRequest request) {
    return Future.succeededFuture(new UpstreamResponse(200, JSON, Buffer.buffer("{}")));
  }

  @Override
  public Future<GrpcResponse> grpc(String service, GrpcRequest request) {
    return Future.succeededFuture(new GrpcResponse(0, "", List.of(Buffer.buffer()), NO_TRAILERS));
  }
}
