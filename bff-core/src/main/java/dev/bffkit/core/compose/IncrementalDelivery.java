package dev.bffkit.core.compose;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The payloads after the first of one incremental answer (GraphQL incremental delivery, deferSpec=20220824): each
 * deferred fragment's {@code {data, path, label, errors}}, held until the initial payload has gone, then sent as they
 * complete; those completing in the same turn of the loop share one part. A fragment whose object the initial payload
 * nulled is dropped, as the spec says. The last part says {@code hasNext: false} (alone, when the last fragment was
 * dropped). Lives on the request's event loop.
 */
final class IncrementalDelivery {
  private final Context context = Vertx.currentContext();
  private final List<Map<String, Object>> ready = new ArrayList<>(2);
  private int pending;
  private Object initial;
  private Handler<Buffer> out;
  private Runnable end;
  /** The last part sent said hasNext: true. */
  private boolean open;
  private boolean scheduled;
  private boolean ended;

  /** A deferred fragment started running. */
  void started() {
    pending++;
  }

  /** A deferred fragment finished: {@code data} null when it failed (its errors say why). */
  void done(List<Object> path, String label, Object data, List<Map<String, Object>> errors) {
    pending--;
    Map<String, Object> p = new LinkedHashMap<>(5);
    if (!errors.isEmpty()) p.put("errors", errors);
    p.put("data", data);
    p.put("path", path);
    if (label != null) p.put("label", label);
    ready.add(p);
    if (out == null || scheduled) return;
    if (context == null) {
      drain();
    } else {
      scheduled = true; // the others finishing in this turn go in the same part
      context.runOnContext(v -> {
        scheduled = false;
        drain();
      });
    }
  }

  /** The initial payload's data is known: fragments under a nulled object will be dropped. */
  void initialDone(Object data) {
    initial = data;
    ready.removeIf(p -> dead(p));
    open = pending > 0 || !ready.isEmpty();
  }

  /** Whether the initial payload says more follows. */
  boolean hasNext() {
    return open;
  }

  /** The initial payload has gone: send the rest through {@code part} (each a JSON payload), then run {@code end}. */
  void start(Handler<Buffer> part, Runnable end) {
    this.out = part;
    this.end = end;
    drain();
  }

  private void drain() {
    if (ended) return;
    ready.removeIf(p -> dead(p));
    if (!ready.isEmpty()) {
      Map<String, Object> next = new LinkedHashMap<>(2);
      next.put("incremental", new ArrayList<>(ready));
      ready.clear();
      open = pending > 0;
      next.put("hasNext", open);
      out.handle(Json.toBuffer(next));
    } else if (pending == 0 && open) {
      open = false;
      out.handle(Json.toBuffer(Map.of("hasNext", false)));
    }
    if (pending == 0 && !open) {
      ended = true;
      end.run();
    }
  }

  /** Whether the payload's object is null (or gone) in the initial data. */
  private boolean dead(Map<String, Object> payload) {
    Object at = initial;
    for (Object segment : (List<?>) payload.get("path")) {
      if (segment instanceof Integer i) at = at instanceof List<?> l && i < l.size() ? l.get(i) : null;
      else at = at instanceof Map<?, ?> m ? m.get(segment) : null;
      if (at == null) return true;
    }
    return at == null;
  }
}
