package dev.bffkit.core.observe.slo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.config.ObserveConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The generated Prometheus rules: {@code promtool check rules} accepts them, and
 * {@code promtool test rules} feeds them the series a BFF exports (an error burst, a trickle, a
 * latency burst) and expects the same alerts as {@link SloTrackerTest} does in process.
 */
class SloRulesTest {
  @TempDir Path tmp;

  private static final List<ObserveConfig.Slo> SLOS = List.of(
      new ObserveConfig.Slo("home", "screen:home", 0.9990000000000001, 0.99, Duration.ofMillis(300), Duration.ofDays(30), "bff.yaml:40"),
      new ObserveConfig.Slo("posts", "proxy:/api/posts", 0.99, 0, null, Duration.ofDays(28), "bff.yaml:45"));

  private static final String HOME = "bff=\"ios\",route=\"screen:home\",kind=\"screen\"";

  private static boolean promtoolInstalled() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "promtool"))) return true;
    }
    return false;
  }

  private record Run(int exit, String output) {}

  private Run promtool(String... args) throws Exception {
    Assumptions.assumeTrue(promtoolInstalled(), "promtool not installed (Debian package prometheus)");
    ProcessBuilder pb = new ProcessBuilder();
    pb.command().add("promtool");
    pb.command().addAll(List.of(args));
    Process p = pb.directory(tmp.toFile()).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool finished");
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  @Test
  void rulesAreWrittenAsTheWorkbookAndTheExportedSeriesSay() {
    String yaml = SloRules.yaml("ios", SLOS);
    assertTrue(yaml.contains("sum(rate(bff_requests_total{bff=\"ios\",route=\"screen:home\",status_class=\"5xx\"}[5m]))"), yaml);
    assertTrue(yaml.contains("status_class!=\"gone\"}[1h]"), yaml);
    assertTrue(yaml.contains("bff_request_duration_seconds_bucket{bff=\"ios\",route=\"screen:home\",le=\"0.3\"}[6h]"), yaml);
    assertTrue(yaml.contains("> (14.4 * (1 - 0.999))"), "99.9 % is written as 0.999: " + yaml);
    assertTrue(yaml.contains("bff_slo:error_ratio:rate28d"), "the SLO's own window is recorded");
    Map<String, Object> doc = new Yaml().load(yaml);
    List<?> groups = (List<?>) doc.get("groups");
    assertEquals(3, groups.size(), "home availability, home latency, posts availability");
    assertEquals("groups: []", SloRules.yaml("ios", List.of()).lines().filter(l -> !l.startsWith("#")).findFirst().orElseThrow());
    assertEquals("0.3", SloRules.le(Duration.ofMillis(300)));
    assertEquals("1.0", SloRules.le(Duration.ofSeconds(1)));
    assertEquals("30d", SloRules.promDuration(Duration.ofDays(30)));
    assertEquals("90m", SloRules.promDuration(Duration.ofMinutes(90)));
    assertEquals("250ms", SloRules.promDuration(Duration.ofMillis(250)));
  }

  @Test
  void promtoolChecksTheRules() throws Exception {
    Files.writeString(tmp.resolve("rules.yml"), SloRules.yaml("ios", SLOS));
    Run r = promtool("check", "rules", "rules.yml");
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains("SUCCESS"), r.output());
  }

  /** The annotations promtool must see on a firing alert: exactly those of the generated rule. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> annotations(String rulesYaml, String group, String alert) {
    Map<String, Object> doc = new Yaml().load(rulesYaml);
    for (Object g : (List<?>) doc.get("groups")) {
      Map<String, Object> gm = (Map<String, Object>) g;
      if (!gm.get("name").equals(group)) continue;
      for (Object r : (List<?>) gm.get("rules")) {
        Map<String, Object> rm = (Map<String, Object>) r;
        if (alert.equals(rm.get("alert"))) return (Map<String, Object>) rm.get("annotations");
      }
    }
    throw new AssertionError(group + "/" + alert + " not in the rules");
  }

  private static JsonObject series(String name, String labels, String values) {
    return new JsonObject().put("series", name + "{" + labels + "}").put("values", values);
  }

  private static JsonObject expectFiring(String rules, String evalTime, BurnAlert a, String slo, String objective, String route) {
    JsonObject labels = new JsonObject().put("severity", a.severity()).put("burn", a.label()).put("route", route)
        .put("bff", "ios").put("slo", slo).put("objective", objective);
    return new JsonObject().put("eval_time", evalTime).put("alertname", SloRules.alertName(a))
        .put("exp_alerts", new JsonArray().add(new JsonObject().put("exp_labels", labels)
            .put("exp_annotations", new JsonObject(annotations(rules, "bff-slo-ios-" + slo + "-" + objective, SloRules.alertName(a))))));
  }

  private static JsonObject expectSilent(String evalTime, BurnAlert a) {
    return new JsonObject().put("eval_time", evalTime).put("alertname", SloRules.alertName(a)).put("exp_alerts", new JsonArray());
  }

  private static JsonObject test(String name, JsonArray series, JsonArray alerts) {
    return new JsonObject().put("name", name).put("interval", "1m").put("input_series", series).put("alert_rule_test", alerts);
  }

  /** An hour at 600 answers a minute, then 10 minutes of 100 % 5xx, then healthy again. */
  private static JsonArray burstSeries() {
    return new JsonArray()
        .add(series("bff_requests_total", HOME + ",status_class=\"2xx\"", "0+600x60 36000+0x9 36000+600x50"))
        .add(series("bff_requests_total", HOME + ",status_class=\"5xx\"", "0+0x60 600+600x9 6000+0x50"))
        .add(series("bff_requests_total", HOME + ",status_class=\"gone\"", "0+5x120"));
  }

  /** 0.8 % 5xx (burn 8 against 99.9 %) for two hours, next to many clients that left (they must not dilute it). */
  private static JsonArray trickleSeries() {
    return new JsonArray()
        .add(series("bff_requests_total", HOME + ",status_class=\"2xx\"", "0+992x120"))
        .add(series("bff_requests_total", HOME + ",status_class=\"5xx\"", "0+8x120"))
        .add(series("bff_requests_total", HOME + ",status_class=\"gone\"", "0+50000x120"));
  }

  /**
   * After an hour every answer takes longer than 300 ms (burn 100 against 99 %), but less than
   * 0.5 s: a rule that read another bucket would see nothing.
   */
  private static JsonArray latencySeries() {
    return new JsonArray()
        .add(series("bff_request_duration_seconds_count", HOME, "0+600x60 36000+600x60"))
        .add(series("bff_request_duration_seconds_bucket", HOME + ",le=\"0.3\"", "0+600x60 36000+0x60"))
        .add(series("bff_request_duration_seconds_bucket", HOME + ",le=\"0.5\"", "0+600x120"))
        .add(series("bff_request_duration_seconds_bucket", HOME + ",le=\"+Inf\"", "0+600x120"))
        .add(series("bff_requests_total", HOME + ",status_class=\"2xx\"", "0+600x120"));
  }

  private Run promtoolTest(String rules, JsonArray tests) throws Exception {
    Files.writeString(tmp.resolve("rules.yml"), rules);
    JsonObject file = new JsonObject().put("rule_files", new JsonArray().add("rules.yml"))
        .put("evaluation_interval", "1m").put("tests", tests);
    Files.writeString(tmp.resolve("tests.yml"), file.encodePrettily()); // JSON is YAML
    return promtool("test", "rules", "tests.yml");
  }

  @Test
  void promtoolUnitTestsTheBurstTheTrickleAndRecovery() throws Exception {
    String rules = SloRules.yaml("ios", SLOS);
    JsonArray tests = new JsonArray()
        .add(test("error burst pages fast within 5 minutes, not yet slow", burstSeries(), new JsonArray()
            .add(expectSilent("60m", BurnAlert.PAGE_FAST))
            .add(expectFiring(rules, "65m", BurnAlert.PAGE_FAST, "home", "availability", "screen:home"))
            .add(expectSilent("65m", BurnAlert.PAGE_SLOW))
            .add(expectSilent("90m", BurnAlert.PAGE_FAST)))) // the 5m window has recovered
        .add(test("trickle pages slow only", trickleSeries(), new JsonArray()
            .add(expectFiring(rules, "60m", BurnAlert.PAGE_SLOW, "home", "availability", "screen:home"))
            .add(expectSilent("60m", BurnAlert.PAGE_FAST))
            .add(expectSilent("110m", BurnAlert.PAGE_FAST))))
        // 14.4 % of an hour slow (8.6 min), then the 2m hold: fires at ~71m; the slow page holds until ~79m.
        .add(test("latency burst pages fast on the threshold's bucket", latencySeries(), new JsonArray()
            .add(expectSilent("66m", BurnAlert.PAGE_FAST))
            .add(expectFiring(rules, "75m", BurnAlert.PAGE_FAST, "home", "latency", "screen:home"))
            .add(expectSilent("75m", BurnAlert.PAGE_SLOW))
            .add(expectFiring(rules, "85m", BurnAlert.PAGE_SLOW, "home", "latency", "screen:home"))));
    Run r = promtoolTest(rules, tests);
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains("SUCCESS"), r.output());
  }

  @Test
  void promtoolFailsAWrongExpectation() throws Exception {
    String rules = SloRules.yaml("ios", SLOS);
    JsonArray tests = new JsonArray().add(test("trickle does not page fast", trickleSeries(), new JsonArray()
        .add(expectFiring(rules, "60m", BurnAlert.PAGE_FAST, "home", "availability", "screen:home"))));
    Run r = promtoolTest(rules, tests);
    assertNotEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains("BffSloPageFast"), r.output());
  }

  @Test
  void theCommandPrintsTheRulesOfAFolderOrTheLineOfABadRoute() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("ios"));
    Files.writeString(dir.resolve("schema.graphqls"), "type Query { hello: String }\n");
    String yaml = """
        name: ios
        services:
          posts:
            endpoints: http://127.0.0.1:9
        routes:
          - prefix: /api/posts
            service: posts
        observe:
          slos:
            - name: posts
              route: %s
              availability: 99.9%%
              latency: { threshold: 250ms, target: 99%% }
        """;
    Files.writeString(dir.resolve("bff.yaml"), yaml.formatted("proxy:/api/posts"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = SloRulesCommand.run(new String[] {"--config", dir.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    String printed = out.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("route=\"proxy:/api/posts\",le=\"0.25\""), printed);
    assertTrue(printed.contains("> (14.4 * (1 - 0.999))"), printed);
    Files.writeString(tmp.resolve("rules.yml"), printed);
    if (promtoolInstalled()) assertEquals(0, promtool("check", "rules", "rules.yml").exit());

    Files.writeString(dir.resolve("bff.yaml"), yaml.formatted("proxy:/api/post"));
    err.reset();
    out.reset();
    code = SloRulesCommand.run(new String[] {"--config", dir.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(2, code);
    String message = err.toString(StandardCharsets.UTF_8);
    assertTrue(message.contains("bff.yaml:11: observe.slos[0].route: 'proxy:/api/post' is not a route; routes: "), message);
    assertTrue(message.contains("proxy:/api/posts"), message);
    assertEquals("", out.toString(StandardCharsets.UTF_8));

    assertEquals(2, SloRulesCommand.run(new String[] {"--config"}, new PrintStream(out), new PrintStream(err)));
    assertEquals(2, SloRulesCommand.run(new String[] {"--nope"}, new PrintStream(out), new PrintStream(err)));
    assertEquals(2, SloRulesCommand.run(new String[] {"--config", tmp.resolve("missing").toString()},
        new PrintStream(out), new PrintStream(err)));
  }
}
