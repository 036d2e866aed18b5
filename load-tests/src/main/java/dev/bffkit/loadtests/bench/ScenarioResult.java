package dev.bffkit.loadtests.bench;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One scenario of a run: its rows (the first is the baseline the ratios refer to) and notes.
 * Closed-model rows compare max throughput (rate ratio); open-model rows compare p99 latency.
 */
public final class ScenarioResult {
  private final String name;
  private final String description;
  private final List<LoadResult> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final Map<LoadResult, Double> cpu = new IdentityHashMap<>();

  public ScenarioResult(String name, String description) {
    this.name = name;
    this.description = description;
  }

  public String name() {
    return name;
  }

  public String description() {
    return description;
  }

  public List<LoadResult> rows() {
    return rows;
  }

  public List<String> notes() {
    return notes;
  }

  public ScenarioResult add(LoadResult r) {
    rows.add(r);
    return this;
  }

  /** Records the CPU time per request (µs) the system's process(es) used during row r's window. */
  public ScenarioResult cpu(LoadResult r, double microsPerRequest) {
    if (!Double.isNaN(microsPerRequest)) cpu.put(r, microsPerRequest);
    return this;
  }

  /** CPU µs per request of a row, NaN when not measured. */
  public double cpu(LoadResult r) {
    return cpu.getOrDefault(r, Double.NaN);
  }

  public ScenarioResult note(String n) {
    notes.add(n);
    return this;
  }

  /** The baseline a row is compared with: the first measured row of the same model. */
  public LoadResult baselineFor(LoadResult r) {
    for (LoadResult b : rows) {
      if (!b.isSkipped() && b.open() == r.open() && b.connections() == r.connections()
          && b.targetRate() == r.targetRate()) return b;
    }
    return null;
  }

  /** "p99 ×1.84" (open) or "rate ×0.62" (closed), "baseline" for the baseline row itself. */
  public String ratio(LoadResult r) {
    if (r.isSkipped()) return "—";
    LoadResult b = baselineFor(r);
    if (b == null) return "—";
    if (b == r) return "baseline";
    if (r.open()) {
      return b.p99() == 0 ? "—" : String.format("p99 ×%.2f", (double) r.p99() / b.p99());
    }
    return b.achievedRate() == 0 ? "—" : String.format("rate ×%.2f", r.achievedRate() / b.achievedRate());
  }
}
