package dev.bffkit.core.upstream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The live endpoint set of one service, shared by the event loops of one BFF. Discovery swaps
 * the set atomically ({@link #update}); an endpoint that stays keeps its state (counters, health)
 * and requests already sent to a removed endpoint simply finish. Health and ejection changes
 * recompute the {@link #candidates()} array, so a pick reads one volatile array and never filters.
 * When no endpoint is available the group "panics" and offers all of them, as Envoy does: a
 * request to a maybe-sick endpoint beats a certain failure.
 */
public final class EndpointGroup {
  /** An endpoint and its balancing weight, as discovery reports it. */
  public record Weighted(Endpoint endpoint, int weight) {}

  private static final EndpointState[] NONE = new EndpointState[0];

  private volatile EndpointState[] all = NONE;
  private volatile EndpointState[] candidates = NONE;

  /** Replaces the set; endpoints present before keep their state. */
  public synchronized void update(List<Weighted> endpoints) {
    Map<Endpoint, EndpointState> old = new HashMap<>();
    for (EndpointState e : all) old.put(e.endpoint, e);
    List<EndpointState> next = new ArrayList<>(endpoints.size());
    long now = System.nanoTime();
    for (Weighted w : endpoints) {
      EndpointState kept = old.get(w.endpoint());
      next.add(kept != null && kept.weight == Math.max(1, w.weight()) ? kept : new EndpointState(w.endpoint(), w.weight(), now));
    }
    all = next.toArray(NONE);
    refresh();
  }

  /** Recomputes the candidates after a health or ejection change. */
  public synchronized void refresh() {
    EndpointState[] a = all;
    int n = 0;
    for (EndpointState e : a) if (e.available()) n++;
    if (n == a.length) {
      candidates = a;
      return;
    }
    if (n == 0) {
      candidates = a; // panic: all of them
      return;
    }
    EndpointState[] c = new EndpointState[n];
    int i = 0;
    for (EndpointState e : a) if (e.available()) c[i++] = e;
    candidates = c;
  }

  /** The endpoints a balancer may pick from: the available ones, or all when none is. */
  public EndpointState[] candidates() {
    return candidates;
  }

  public EndpointState[] all() {
    return all;
  }
}
