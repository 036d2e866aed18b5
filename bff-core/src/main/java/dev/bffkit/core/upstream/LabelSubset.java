package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ServiceConfig;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The endpoints of one service whose labels include a given set: the version a content rule pins
 * ({@code subset: { version: v2 }}). Shared by the event loops; like a canary's subsets, its arrays
 * are derived from the service's {@link EndpointGroup} and rebuilt only when the group's arrays
 * change, so a pick reads arrays and never filters.
 */
public final class LabelSubset {
  private static final EndpointState[] NONE = new EndpointState[0];
  private final EndpointGroup group;
  private final Set<Endpoint> members;
  private volatile View view = new View(null, null, NONE, NONE);

  private record View(EndpointState[] candidates, EndpointState[] all, EndpointState[] live, EndpointState[] members) {}

  LabelSubset(ServiceConfig config, EndpointGroup group, Map<String, String> labels) {
    this.group = group;
    Set<Endpoint> in = new HashSet<>();
    List<URI> urls = config.endpoints();
    for (int i = 0; i < urls.size(); i++) {
      if (config.labels().get(i).entrySet().containsAll(labels.entrySet())) in.add(Endpoint.of(urls.get(i)));
    }
    this.members = Set.copyOf(in);
  }

  /** The subset's live endpoints; all of them when none is live (a pinned version is never swapped for another). */
  EndpointState[] candidates() {
    View v = view();
    return v.live.length > 0 ? v.live : v.members;
  }

  /** Every endpoint of the subset, live or not. */
  EndpointState[] all() {
    return view().members;
  }

  private View view() {
    EndpointState[] cand = group.candidates();
    EndpointState[] all = group.all();
    View v = view;
    if (v.candidates != cand || v.all != all) {
      v = new View(cand, all, only(cand, members, true), only(all, members, true));
      view = v;
    }
    return v;
  }

  /** The endpoints of {@code from} that are ({@code in}) or are not in {@code set}, in order. */
  static EndpointState[] only(EndpointState[] from, Set<Endpoint> set, boolean in) {
    int n = 0;
    for (EndpointState e : from) if (set.contains(e.endpoint) == in) n++;
    EndpointState[] out = new EndpointState[n];
    int i = 0;
    for (EndpointState e : from) if (set.contains(e.endpoint) == in) out[i++] = e;
    return out;
  }
}
