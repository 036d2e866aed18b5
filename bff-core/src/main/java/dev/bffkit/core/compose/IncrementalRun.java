package dev.bffkit.core.compose;

import dev.bffkit.core.compose.incremental.IncrementalSink;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The delivery side of a plan run with {@code @defer}/{@code @stream}: which payload goes out
 * when. Every fetch starts at once ({@link PlanRun} registers deferred fragments and streamed
 * items as it meets them); a payload goes out once its data is complete and its parent has gone
 * out (the initial payload is every payload's ancestor). Payloads ready in the same event-loop
 * turn go out in one part. A payload whose place was nulled in what its parent delivered (an
 * error bubbled there) is dropped, with its children, as graphql-js does.
 *
 * <p>Single-threaded: started, fed and flushed on one event loop.
 */
final class IncrementalRun {
  /** The run as started: the initial data (completes when the non-deferred fields are done) and its live error list. */
  record Started(Future<Object> data, List<Map<String, Object>> errors) {}

  /** Starts the execution, registering payloads on {@code run} as it goes. */
  interface Starter {
    Started start(IncrementalRun run);
  }

  /** One deferred fragment on one object, or the rest of one streamed list. */
  static final class Payload {
    private final Payload parent;
    /** The deferred object's path, or the streamed list's. */
    private final List<Object> anchor;
    private final String label;
    /** A stream's first item index; -1 for a deferred fragment. */
    private final int start;
    private final List<Map<String, Object>> errors = new ArrayList<>(0);
    private Object result;
    private boolean ready;
    private boolean sent;
    private boolean dropped;
    private boolean placed;

    private Payload(Payload parent, List<Object> anchor, String label, int start) {
      this.parent = parent;
      this.anchor = anchor;
      this.label = label;
      this.start = start;
    }

    List<Map<String, Object>> errors() { return errors; }

    private Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>(6);
      if (start >= 0) {
        m.put("items", result);
        List<Object> path = new ArrayList<>(anchor.size() + 1);
        path.addAll(anchor);
        path.add(start);
        m.put("path", path);
      } else {
        m.put("data", result);
        m.put("path", anchor);
      }
      if (label != null) m.put("label", label);
      if (!errors.isEmpty()) m.put("errors", errors);
      return m;
    }
  }

  private final Starter starter;
  private final Payload root = new Payload(null, List.of(), null, -1);
  /** Registered payloads not yet sent or dropped, in registration order (a parent before its children). */
  private final List<Payload> open = new ArrayList<>(4);
  private final Promise<Void> done = Promise.promise();
  private List<Map<String, Object>> rootErrors = List.of();
  private IncrementalSink sink;
  private Context context;
  private boolean scheduled;
  private boolean finished;
  private boolean errorsSeen;

  IncrementalRun(Starter starter) {
    this.starter = starter;
  }

  /** Runs on the current event loop; completes once the last payload went to {@code sink}. */
  Future<Void> start(IncrementalSink sink) {
    this.sink = sink;
    this.context = Vertx.currentContext();
    Started s = starter.start(this);
    rootErrors = s.errors();
    s.data().onComplete(ar -> {
      if (ar.failed()) rootErrors.add(Map.of("message", "internal error", "extensions", Map.of("code", "INTERNAL")));
      ready(root, ar.succeeded() ? ar.result() : null);
    });
    return done.future();
  }

  /** Whether any payload carried errors (for the access log's partial flag); valid once done. */
  boolean errorsSeen() { return errorsSeen; }

  /** Registers a payload under {@code parent} (null: the initial one); {@code start} < 0 for a deferred fragment. */
  Payload open(Payload parent, List<Object> anchor, String label, int start) {
    Payload p = new Payload(parent == null ? root : parent, anchor, label, start);
    if (p.parent.dropped) p.dropped = true;
    else open.add(p);
    return p;
  }

  /** The payload's data (or items) is complete. */
  void ready(Payload p, Object result) {
    p.result = result;
    p.ready = true;
    if (!scheduled && !finished && !p.dropped) {
      scheduled = true;
      context.runOnContext(v -> flush()); // after whatever else completes in this turn
    }
  }

  private void flush() {
    scheduled = false;
    if (finished || !root.ready) return;
    boolean initial = !root.sent;
    root.sent = true;
    List<Map<String, Object>> parts = new ArrayList<>(0);
    for (Iterator<Payload> it = open.iterator(); it.hasNext(); ) {
      Payload p = it.next();
      if (p.parent.dropped) {
        p.dropped = true;
        it.remove();
        continue;
      }
      if (!p.parent.sent) continue;
      if (!p.placed) {
        p.placed = true;
        if (resolve(p.parent, p.anchor) == null) { // its place was nulled: nothing to patch
          p.dropped = true;
          it.remove();
          continue;
        }
      }
      if (p.ready) {
        p.sent = true;
        it.remove();
        if (!p.errors.isEmpty()) errorsSeen = true;
        parts.add(p.toJson());
      }
    }
    boolean hasNext = !open.isEmpty();
    if (initial) {
      if (!rootErrors.isEmpty()) errorsSeen = true;
      sink.initial(root.result, rootErrors, hasNext || !parts.isEmpty());
      if (!parts.isEmpty()) sink.next(parts, hasNext);
    } else if (!parts.isEmpty() || !hasNext) {
      sink.next(parts, hasNext);
    }
    if (!hasNext) {
      finished = true;
      done.complete();
    }
  }

  /** The value at {@code anchor} in what {@code parent} delivered, or null when it is not there. */
  private Object resolve(Payload parent, List<Object> anchor) {
    Object cur = parent.result;
    int from = parent.anchor.size();
    if (parent != root && parent.start >= 0) { // a stream's items: the next segment is an item index
      if (anchor.size() <= from || !(anchor.get(from) instanceof Integer i) || !(cur instanceof List<?> items)) return null;
      int at = i - parent.start;
      cur = at >= 0 && at < items.size() ? items.get(at) : null;
      from++;
    }
    for (int i = from; i < anchor.size() && cur != null; i++) {
      Object seg = anchor.get(i);
      if (seg instanceof Integer index) {
        cur = cur instanceof List<?> l && index < l.size() ? l.get(index) : null;
      } else {
        cur = cur instanceof Map<?, ?> m ? m.get(seg) : null;
      }
    }
    return cur;
  }
}
