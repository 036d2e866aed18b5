package dev.bffkit.loadtests.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/** Writes summary.md, a self-contained report.html (inline SVG, no JS) and one .hgrm per row. */
public final class Reports {
  private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};
  /** Percentile axis ticks: 0, 90, 99, 99.9, 99.99, 99.999 %. */
  private static final int DECADES = 5;

  private Reports() {}

  /**
   * One line of the targets table: what the issue asks, what was measured, the baseline it is
   * compared with and the ratio; {@code met} null means "reported only" (no pass/fail).
   */
  public record Target(String name, String target, String measured, String baseline, String ratio, Boolean met) {
    public String verdict() {
      return met == null ? "reported" : met ? "yes" : "NO";
    }
  }

  public static void writeAll(Path dir, String title, List<String> header, List<ScenarioResult> scenarios) throws IOException {
    writeAll(dir, title, header, List.of(), scenarios);
  }

  public static void writeAll(Path dir, String title, List<String> header, List<Target> targets, List<ScenarioResult> scenarios)
      throws IOException {
    Files.createDirectories(dir);
    try (var old = Files.list(dir)) {
      for (Path f : old.filter(f -> f.getFileName().toString().endsWith(".hgrm")).toList()) Files.delete(f);
    }
    Files.writeString(dir.resolve("summary.md"), markdown(title, header, targets, scenarios), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("report.html"), html(title, header, targets, scenarios), StandardCharsets.UTF_8);
    for (ScenarioResult s : scenarios) {
      for (LoadResult r : s.rows()) {
        if (r.isSkipped() || r.histogram().getTotalCount() == 0) continue;
        Path f = dir.resolve(slug(s.name() + "-" + r.system() + (r.open() ? "-open" : "-closed")) + ".hgrm");
        try (PrintStream out = new PrintStream(Files.newOutputStream(f), false, StandardCharsets.UTF_8)) {
          r.histogram().outputPercentileDistribution(out, 5, 1000.0); // values in ms
        }
      }
    }
  }

  public static String markdown(String title, List<String> header, List<ScenarioResult> scenarios) {
    return markdown(title, header, List.of(), scenarios);
  }

  public static String markdown(String title, List<String> header, List<Target> targets, List<ScenarioResult> scenarios) {
    StringBuilder sb = new StringBuilder("# ").append(title).append("\n\n");
    for (String h : header) sb.append("- ").append(h).append('\n');
    if (!targets.isEmpty()) {
      sb.append("\n## Targets\n\n| figure | target | measured | baseline | ratio | met? |\n|---|---|---|---|---|---|\n");
      for (Target t : targets) {
        sb.append("| ").append(md(t.name())).append(" | ").append(md(t.target())).append(" | ").append(md(t.measured()))
            .append(" | ").append(md(t.baseline())).append(" | ").append(md(t.ratio())).append(" | ").append(t.verdict()).append(" |\n");
      }
      sb.append("\n## Measurements\n");
    }
    sb.append("\nLatency in ms. Open model: latency from the intended send time; ratio = p99 / baseline p99."
        + " Closed model: max throughput; ratio = rate / baseline rate. CPU: user + system time of the system's"
        + " process(es) during the recorded window per request answered.\n\n");
    sb.append("| scenario | system | model | rate (req/s) | p50 | p99 | p99.9 | errors | CPU µs/req | ratio vs baseline |\n");
    sb.append("|---|---|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (ScenarioResult s : scenarios) {
      for (LoadResult r : s.rows()) {
        if (r.isSkipped()) {
          sb.append("| ").append(s.name()).append(" | ").append(r.system()).append(" | — | skipped: ")
              .append(r.skipped().replace('|', '/').replace('\n', ' ')).append(" | | | | | | — |\n");
          continue;
        }
        sb.append("| ").append(s.name()).append(" | ").append(r.system()).append(" | ").append(model(r)).append(" | ")
            .append(fmt("%.0f", r.achievedRate())).append(" | ").append(ms(r.p50())).append(" | ").append(ms(r.p99()))
            .append(" | ").append(ms(r.p999())).append(" | ").append(errors(r)).append(" | ").append(cpu(s, r))
            .append(" | ").append(s.ratio(r)).append(" |\n");
      }
    }
    boolean anyNotes = scenarios.stream().anyMatch(s -> !s.notes().isEmpty());
    if (anyNotes) {
      sb.append("\n## Notes\n\n");
      for (ScenarioResult s : scenarios) for (String n : s.notes()) sb.append("- **").append(s.name()).append("**: ").append(n).append('\n');
    }
    return sb.toString();
  }

  public static String html(String title, List<String> header, List<ScenarioResult> scenarios) {
    return html(title, header, List.of(), scenarios);
  }

  public static String html(String title, List<String> header, List<Target> targets, List<ScenarioResult> scenarios) {
    StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title>\n<style>")
        .append("body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}")
        .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px}")
        .append("td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}")
        .append("svg{background:#fff;border:1px solid #ddd}.skip{color:#999}td.met{color:#1a7f37}td.missed{color:#cf222e;font-weight:bold}")
        .append("</style></head><body>\n<h1>").append(esc(title)).append("</h1>\n<ul>");
    for (String h : header) sb.append("<li>").append(esc(h)).append("</li>");
    sb.append("</ul>\n");
    if (!targets.isEmpty()) {
      sb.append("<h2>Targets</h2>\n<table id=\"targets\"><tr><th>figure</th><th>target</th><th>measured</th><th>baseline</th>"
          + "<th>ratio</th><th>met?</th></tr>\n");
      for (Target t : targets) {
        String cls = t.met() == null ? "" : t.met() ? " class=\"met\"" : " class=\"missed\"";
        sb.append("<tr><td>").append(esc(t.name())).append("</td><td>").append(esc(t.target())).append("</td><td>")
            .append(esc(t.measured())).append("</td><td>").append(esc(t.baseline())).append("</td><td>").append(esc(t.ratio()))
            .append("</td><td").append(cls).append('>').append(t.verdict()).append("</td></tr>\n");
      }
      sb.append("</table>\n<h2>Measurements</h2>\n");
    }
    sb.append("<p>Latency in ms. Open model: latency from the intended send time (no coordinated omission);"
        + " ratio = p99 / baseline p99. Closed model: max throughput; ratio = rate / baseline rate. CPU: user + system time"
        + " of the system's process(es) during the recorded window per request answered.</p>\n");
    sb.append("<table id=\"summary\"><tr><th>scenario</th><th>system</th><th>model</th><th>rate (req/s)</th><th>p50</th>"
        + "<th>p99</th><th>p99.9</th><th>errors</th><th>CPU µs/req</th><th>ratio vs baseline</th></tr>\n");
    for (ScenarioResult s : scenarios) {
      for (LoadResult r : s.rows()) sb.append(htmlRow(s, r));
    }
    sb.append("</table>\n");
    for (ScenarioResult s : scenarios) {
      sb.append("<h2>").append(esc(s.name())).append("</h2>\n<p>").append(esc(s.description())).append("</p>\n");
      List<List<LoadResult>> groups = plotGroups(s);
      for (List<LoadResult> g : groups) sb.append(svg(s.name(), g)).append('\n');
      if (!s.notes().isEmpty()) {
        sb.append("<ul>");
        for (String n : s.notes()) sb.append("<li>").append(esc(n)).append("</li>");
        sb.append("</ul>\n");
      }
    }
    return sb.append("</body></html>\n").toString();
  }

  private static String htmlRow(ScenarioResult s, LoadResult r) {
    if (r.isSkipped()) {
      return "<tr class=\"skip\"><td>" + esc(s.name()) + "</td><td>" + esc(r.system()) + "</td><td colspan=\"8\">skipped: "
          + esc(r.skipped()) + "</td></tr>\n";
    }
    return "<tr><td>" + esc(s.name()) + "</td><td>" + esc(r.system()) + "</td><td>" + esc(model(r)) + "</td><td class=\"n\">"
        + fmt("%.0f", r.achievedRate()) + "</td><td class=\"n\">" + ms(r.p50()) + "</td><td class=\"n\">" + ms(r.p99())
        + "</td><td class=\"n\">" + ms(r.p999()) + "</td><td class=\"n\">" + esc(errors(r)) + "</td><td class=\"n\">" + cpu(s, r)
        + "</td><td>" + esc(s.ratio(r))
        + "</td></tr>\n";
  }

  /** Rows measured under the same load (model, connections, rate) share one plot. */
  private static List<List<LoadResult>> plotGroups(ScenarioResult s) {
    List<List<LoadResult>> groups = new ArrayList<>();
    for (LoadResult r : s.rows()) {
      if (r.isSkipped() || r.histogram().getTotalCount() == 0) continue;
      List<LoadResult> g = null;
      for (List<LoadResult> c : groups) {
        LoadResult f = c.get(0);
        if (f.open() == r.open() && f.connections() == r.connections() && f.targetRate() == r.targetRate()) g = c;
      }
      if (g == null) groups.add(g = new ArrayList<>());
      g.add(r);
    }
    return groups;
  }

  /**
   * Latency by percentile, HdrHistogram style: x = log10(1 / (1 - p)), so 90, 99, 99.9 % are evenly
   * spaced; one path per system.
   */
  public static String svg(String scenario, List<LoadResult> rows) {
    int w = 760, h = 300, left = 60, right = 170, top = 30, bottom = 40;
    int pw = w - left - right, ph = h - top - bottom;
    double maxMs = 0.001;
    for (LoadResult r : rows) maxMs = Math.max(maxMs, r.histogram().getMaxValue() / 1000.0);
    double yMax = niceCeil(maxMs);
    LoadResult first = rows.get(0);
    String caption = scenario + ": " + model(first) + (first.open() ? fmt(" at %.0f req/s", first.targetRate()) : "")
        + ", " + first.connections() + " connections";
    StringBuilder sb = new StringBuilder();
    sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(h)
        .append("\" viewBox=\"0 0 ").append(w).append(' ').append(h).append("\" role=\"img\"><title>").append(esc(caption)).append("</title>");
    sb.append("<text x=\"").append(left).append("\" y=\"18\" font-size=\"13\">").append(esc(caption)).append("</text>");
    for (int d = 0; d <= DECADES; d++) {
      double x = left + pw * d / (double) DECADES;
      String label = d == 0 ? "0%" : fmt("%s%%", percentileLabel(d));
      sb.append(line(x, top, x, top + ph, "#eee")).append("<text x=\"").append(fmt("%.1f", x)).append("\" y=\"").append(top + ph + 16)
          .append("\" font-size=\"11\" text-anchor=\"middle\">").append(label).append("</text>");
    }
    for (int i = 0; i <= 4; i++) {
      double y = top + ph - ph * i / 4.0;
      sb.append(line(left, y, left + pw, y, "#eee")).append("<text x=\"").append(left - 6).append("\" y=\"").append(fmt("%.1f", y + 4))
          .append("\" font-size=\"11\" text-anchor=\"end\">").append(trim(yMax * i / 4)).append("</text>");
    }
    sb.append("<text x=\"").append(left + pw / 2).append("\" y=\"").append(h - 6).append("\" font-size=\"11\" text-anchor=\"middle\">percentile</text>");
    sb.append("<text x=\"14\" y=\"").append(top + ph / 2).append("\" font-size=\"11\" transform=\"rotate(-90 14 ")
        .append(top + ph / 2).append(")\" text-anchor=\"middle\">latency (ms)</text>");
    sb.append(line(left, top + ph, left + pw, top + ph, "#333")).append(line(left, top, left, top + ph, "#333"));
    int i = 0;
    for (LoadResult r : rows) {
      String color = COLORS[i % COLORS.length];
      Histogram hist = r.histogram();
      StringBuilder d = new StringBuilder();
      int steps = DECADES * 20;
      for (int k = 0; k <= steps; k++) {
        double xv = DECADES * k / (double) steps;
        double p = 100.0 * (1 - Math.pow(10, -xv));
        double v = (k == steps ? hist.getMaxValue() : hist.getValueAtPercentile(p)) / 1000.0;
        double x = left + pw * xv / DECADES;
        double y = top + ph - ph * Math.min(1, v / yMax);
        d.append(k == 0 ? 'M' : 'L').append(fmt("%.1f", x)).append(',').append(fmt("%.1f", y));
      }
      sb.append("<path class=\"system\" data-system=\"").append(esc(r.system())).append("\" d=\"").append(d)
          .append("\" fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"2\"/>");
      double ly = top + 12 + 18 * i;
      sb.append(line(left + pw + 12, ly - 4, left + pw + 32, ly - 4, color)).append("<text x=\"").append(left + pw + 38)
          .append("\" y=\"").append(fmt("%.1f", ly)).append("\" font-size=\"12\">").append(esc(r.system())).append("</text>");
      i++;
    }
    return sb.append("</svg>").toString();
  }

  private static String percentileLabel(int decades) {
    StringBuilder s = new StringBuilder("9".repeat(Math.min(2, decades)));
    if (decades > 2) s.append('.').append("9".repeat(decades - 2));
    return s.toString();
  }

  private static String line(double x1, double y1, double x2, double y2, String color) {
    return fmt("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", x1, y1, x2, y2, color);
  }

  private static double niceCeil(double v) {
    double e = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) if (m * e >= v) return m * e;
    return 10 * e;
  }

  private static String trim(double v) {
    return v >= 10 ? fmt("%.0f", v) : v >= 1 ? fmt("%.1f", v) : fmt("%.2f", v);
  }

  static String model(LoadResult r) {
    return r.open() ? "open" : "closed";
  }

  static String ms(long micros) {
    return fmt("%.2f", micros / 1000.0);
  }

  static String cpu(ScenarioResult s, LoadResult r) {
    double c = s.cpu(r);
    return Double.isNaN(c) ? "" : fmt("%.0f", c);
  }

  private static String md(String s) {
    return s == null ? "" : s.replace('|', '/').replace('\n', ' ');
  }

  static String errors(LoadResult r) {
    return r.errors() == 0 ? "0" : fmt("%d (%.1f%%)", r.errors(), 100.0 * r.errorRatio());
  }

  private static String fmt(String f, Object... args) {
    return String.format(Locale.ROOT, f, args);
  }

  static String slug(String s) {
    return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("(^-|-$)", "");
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
