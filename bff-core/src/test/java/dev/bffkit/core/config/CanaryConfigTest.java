package dev.bffkit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.TestBundles;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Labelled endpoints and services.<name>.canary in bff.yaml. */
class CanaryConfigTest {
  @TempDir Path tmp;
  private int n;

  private ServiceConfig load(String yaml) throws IOException {
    return TestBundles.helloFolder(tmp.resolve("b" + n++).resolve("ios"), yaml).config().services().values().iterator().next();
  }

  private static final String ENDPOINTS = """
      services:
        posts:
          endpoints:
            - "http://127.0.0.1:9102 weight=3"
            - http://127.0.0.1:9112
            - { url: "http://127.0.0.1:9122", labels: { version: v2, zone: a }, weight: 2 }
      """;

  @Test
  void labelledEndpointsSitBesidePlainUrlsAndTheCanaryLoads() throws IOException {
    ServiceConfig s = load(ENDPOINTS + """
            canary:
              subset: { version: v2 }
              share: 1.5%
              match: [ { header: X-Beta, value: "1" }, { cookie: beta, value: "1" }, { claim: beta, value: "true" } ]
              sticky: sub
              rollback: { availability: 99.5%, latency: { threshold: 250ms, target: 98% }, burnRatio: 3, minBurnRate: 2,
                          minCalls: 20, window: 30s }
        """);
    assertEquals(List.of(URI.create("http://127.0.0.1:9102"), URI.create("http://127.0.0.1:9112"),
        URI.create("http://127.0.0.1:9122")), s.endpoints());
    assertEquals(List.of(Map.of(), Map.of(), Map.of("version", "v2", "zone", "a")), s.labels());
    assertEquals(List.of(3, 1, 2), s.balancer().weights());
    CanaryConfig c = s.canary();
    assertEquals(Map.of("version", "v2"), c.subset());
    assertEquals(0.015, c.share(), 1e-12);
    assertEquals(List.of(new Condition(Condition.Source.HEADER, "x-beta", List.of("1")),
        new Condition(Condition.Source.COOKIE, "beta", List.of("1")),
        new Condition(Condition.Source.CLAIM, "beta", List.of("true"))), c.match());
    assertEquals(CanaryConfig.Sticky.sub(), c.sticky());
    assertEquals(new CanaryConfig.Rollback(0.995, new CanaryConfig.Latency(Duration.ofMillis(250), 0.98), 3, 2, 20,
        Duration.ofSeconds(30)), c.rollback());
  }

  @Test
  void rollbackDefaults() throws IOException {
    ServiceConfig s = load(ENDPOINTS + "    canary: { subset: { version: v2 }, rollback: {} }\n");
    assertEquals(new CanaryConfig.Rollback(0.99, null, 2, 5, 50, Duration.ofMinutes(1)), s.canary().rollback());
    s = load(ENDPOINTS + "    canary: { subset: { version: v2 }, rollback: { latency: { threshold: 300ms } } }\n");
    assertEquals(new CanaryConfig.Latency(Duration.ofMillis(300), 0.99), s.canary().rollback().latency());
  }

  @Test
  void plainServicesAreUnchanged() throws IOException {
    ServiceConfig s = load("services:\n  posts:\n    endpoints: [\"http://a:1\", \"http://b:2\"]\n");
    assertNull(s.canary());
    assertEquals(List.of(Map.of(), Map.of()), s.labels());
    // withX keeps labels and canary
    ServiceConfig c = load(ENDPOINTS + "    canary: { subset: { version: v2 }, share: 5% }\n");
    assertEquals(c.canary(), c.withRetry(c.retry().withMaxRetries(0)).canary());
    assertEquals(c.labels(), c.withBreaker(ServiceConfig.Breaker.defaults()).labels());
  }

  @Test
  void errorsNameFileLineAndFix() {
    String head = ENDPOINTS; // lines 1-6
    assertMsg(head + "    canary: { subset: { version: v3 }, share: 5% }\n", 7, "services.posts.canary.subset",
        "no endpoint has the labels {version=v3}");
    assertMsg("services:\n  posts:\n    endpoints: [ { url: \"http://a:1\", labels: { v: b } } ]\n"
        + "    canary: { subset: { v: b } }\n", 4, "no stable endpoint is left");
    assertMsg(head + "    canary: { share: 5% }\n", 7, "missing 'subset'");
    assertMsg(head + "    canary: { subset: { version: v2 }, share: 150% }\n", 7, "services.posts.canary.share",
        "between 0 and 1");
    assertMsg(head + "    canary:\n      subset: { version: v2 }\n      match: [ { query: beta } ]\n", 9, "unknown key 'query'");
    assertMsg(head + "    canary:\n      subset: { version: v2 }\n      match: [ { value: \"1\" } ]\n", 9,
        "missing what to test (claim, cookie, header)");
    assertMsg(head + "    canary:\n      subset: { version: v2 }\n      match: [ { header: a, cookie: b, value: \"1\" } ]\n", 9,
        "one of claim, cookie, header per condition");
    assertMsg(head + "    canary:\n      subset: { version: v2 }\n      sticky: ip\n", 9, "services.posts.canary.sticky",
        "sub (the verified subject) or header:NAME");
    String rollback = head + "    canary:\n      subset: { version: v2 }\n      rollback:\n";
    assertMsg(rollback + "        burnRatio: 0.5\n", 10, "services.posts.canary.rollback.burnRatio", "between 1 and 1000");
    assertMsg(rollback + "        burnRatio: fast\n", 10, "burnRatio", "is not a number");
    assertMsg(rollback + "        minBurnRate: -1\n", 10, "minBurnRate", "between 0 and");
    assertMsg(rollback + "        availability: 100%\n", 10, "services.posts.canary.rollback.availability",
        "leaves no error budget");
    assertMsg(rollback + "        latency: { threshold: 300ms, target: 100% }\n", 10,
        "services.posts.canary.rollback.latency.target", "leaves no error budget");
    assertMsg(rollback + "        latency: { target: 99% }\n", 10, "missing 'threshold'");
    assertMsg(rollback + "        latency: 300ms\n", 10, "expected a mapping (target, threshold)");
    assertMsg(rollback + "        availability: 99.9%\n        errorRatio: 2\n", 11, "rollback.errorRatio", "is now burnRatio");
    assertMsg(rollback + "        minErrorRate: 5%\n", 10, "rollback.minErrorRate", "is now minBurnRate");
    assertMsg(head + "    canary:\n      subset: { version: v2 }\n      rollback: { window: 100ms }\n", 9,
        "at least 600ms");
    assertMsg(head + "    canary:\n      subset: { version: v2 }\n      wieght: 5\n", 9, "unknown key 'wieght'");
    assertMsg("services:\n  posts:\n    endpoints:\n      - { labels: { version: v2 } }\n", 4, "missing 'url'");
    assertMsg("services:\n  posts:\n    endpoints:\n      - { url: \"http://a:1\", labels: { version: \"v 2\" } }\n", 4,
        "not a label value");
    assertMsg("services:\n  posts:\n    endpoints:\n      - { url: \"ftp://a:1\" }\n", 4, "http(s) URL");
    assertMsg("services:\n  posts:\n    endpoints:\n      - { url: \"http://a:1\", tags: {} }\n", 4, "unknown key 'tags'");
  }

  private void assertMsg(String yaml, int line, String... fragments) {
    ConfigException e = assertThrows(ConfigException.class, () -> load(yaml));
    assertTrue(e.getMessage().startsWith("ios/bff.yaml:" + line + ": "), e.getMessage());
    for (String f : fragments) assertTrue(e.getMessage().contains(f), () -> "expected '" + f + "' in: " + e.getMessage());
  }
}
