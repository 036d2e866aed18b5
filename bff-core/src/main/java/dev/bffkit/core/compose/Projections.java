package dev.bffkit.core.compose;

import dev.bffkit.core.compose.OperationPlan.FieldPlan;
import dev.bffkit.core.compose.OperationPlan.Node;
import java.util.ArrayList;
import java.util.List;

/**
 * Derives {@link JsonProjection}s from a plan's selections: a property field keeps its key
 * (and recursively what its own selection reads), an {@code @map} field keeps its path, and a
 * nested fetch keeps the {@code {source.x}} values its templates read. Anything read whole
 * (leaves, JSON scalars, {@code {source}} itself) keeps the whole value.
 */
final class Projections {
  private Projections() {}

  /** A mutable slot for merging the projections of several uses of one batched binding. */
  static final class Holder {
    private JsonProjection projection;
    private boolean all;

    Holder(JsonProjection p) {
      projection = p;
      all = p == null;
    }

    JsonProjection projection() {
      return all ? null : projection;
    }
  }

  static Holder forBatch(RestBinding.Batch batch, Node selection) {
    JsonProjection value = ofValue(selection);
    if (value != null) value.add(new String[] {batch.key()}, 0, null); // answers are matched by their key
    return new Holder(JsonProjection.under(batch.select().text(), value));
  }

  static Holder union(Holder a, Holder b) {
    if (a.all || b.all) {
      a.all = true;
      a.projection = null;
    } else {
      a.projection.union(b.projection);
    }
    return a;
  }

  /** What reading a value with this selection needs; null (all) for leaves. */
  static JsonProjection ofValue(Node selection) {
    if (selection == null) return null;
    JsonProjection p = new JsonProjection();
    for (FieldPlan c : selection.fields()) {
      if (c.typename()) continue;
      if (c.rest() != null) {
        for (Template.Ref ref : sourceRefs(c.rest())) {
          if (ref.path().isIdentity()) return null; // {source} itself: the whole object
          p.add(ref.path().text().split("\\."), 0, null);
        }
      } else if (c.map() != null) {
        if (c.map().isIdentity()) return null;
        p.add(c.map().text().split("\\."), 0, ofValue(c.selection()));
      } else {
        p.add(new String[] {c.name()}, 0, ofValue(c.selection()));
      }
    }
    for (OperationPlan.DeferGroup g : selection.defers()) { // deferred fragments read the same object
      JsonProjection d = ofValue(g.node());
      if (d == null) return null;
      p.union(d);
    }
    return p;
  }

  private static List<Template.Ref> sourceRefs(RestBinding b) {
    List<Template.Ref> all = new ArrayList<>();
    if (b.path() != null) all.addAll(b.path().refs());
    if (b.body() != null) all.addAll(b.body().refs());
    if (b.batch() != null) all.add(b.batch().keyRef());
    if (b.grpc() != null) {
      if (b.grpc().request() != null) all.addAll(b.grpc().request().refs());
      for (RestBinding.Metadata m : b.grpc().metadata()) if (m.ref() != null) all.add(m.ref());
    }
    all.removeIf(r -> r.root() != Template.Root.SOURCE);
    return all;
  }
}
