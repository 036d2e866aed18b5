package dev.bffkit.loadtests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportsTest {
  static LoadResult result(String system, long baseUs, long errors) {
    Histogram h = LoadDriver.newHistogram();
    for (int i = 1; i <= 1000; i++) h.recordValue(baseUs + i * (baseUs / 100));
    LoadSpec spec = LoadSpec.open(system, 1, "/", 500, 8, Duration.ZERO, Duration.ofSeconds(2));
    return LoadResult.of(spec, 1000 + errors, errors, 2, h);
  }

  static List<ScenarioResult> scenarios() {
    ScenarioResult s = new ScenarioResult("pass-through", "direct vs nginx vs BFF");
    s.add(result("direct", 100, 0)).add(result("nginx", 150, 0)).add(result("bff", 300, 5))
        .add(LoadResult.skipped("other", "not installed")).note("a note");
    return List.of(s);
  }

  @Test
  void markdownHasOneRowPerSystemWithRatios() {
    String md = Reports.markdown("Bench", List.of("host: test"), scenarios());
    assertTrue(md.contains("| scenario | system | model | rate (req/s) | p50 | p99 | p99.9 | errors | CPU µs/req | ratio vs baseline |"), md);
    assertTrue(md.lines().anyMatch(l -> l.startsWith("| pass-through | direct | open |") && l.endsWith("| baseline |")), md);
    assertTrue(md.lines().anyMatch(l -> l.startsWith("| pass-through | nginx | open |") && l.contains("p99 ×1.05")), md);
    assertTrue(md.lines().anyMatch(l -> l.startsWith("| pass-through | bff | open |") && l.contains("5 (0.5%)")), md);
    assertTrue(md.lines().anyMatch(l -> l.startsWith("| pass-through | other | — | skipped: not installed")), md);
  }

  @Test
  void writesFilesAndTheSvgHasAPathPerSystem(@TempDir Path dir) throws Exception {
    Reports.writeAll(dir, "Bench", List.of("host: test"), scenarios());
    String md = Files.readString(dir.resolve("summary.md"));
    String html = Files.readString(dir.resolve("report.html"));
    assertTrue(md.contains("| pass-through | bff | open |"));
    assertTrue(html.contains("<td>pass-through</td><td>nginx</td><td>open</td>"), html);
    assertFalse(html.contains("<script"), "no JS");
    assertFalse(html.contains("href=\"http"), "no external resources");
    for (String sys : List.of("direct", "nginx", "bff")) {
      assertTrue(html.contains("<path class=\"system\" data-system=\"" + sys + "\""), sys);
    }
    assertEquals(3, html.split("<path class=\"system\"", -1).length - 1);
    assertTrue(Files.exists(dir.resolve("pass-through-bff-open.hgrm")));
  }
}
