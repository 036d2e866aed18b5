package dev.bffkit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resilience keys under services.<name> in bff.yaml. */
class ResilienceConfigTest {
  @TempDir Path tmp;

  private ServiceConfig load(String yaml, Map<String, String> env) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("ios"));
    Files.writeString(dir.resolve("bff.yaml"), yaml);
    Files.writeString(dir.resolve("schema.graphqls"), "type Query { hello: String }\n");
    return BundleLoader.load(dir, env::get).config().services().values().iterator().next();
  }

  private ConfigException fails(String yaml) {
    return assertThrows(ConfigException.class, () -> load(yaml, Map.of()));
  }

  @Test
  void everyKeyLoads() throws IOException {
    ServiceConfig s = load("""
        services:
          posts:
            endpoints: ["http://127.0.0.1:9102 weight=3", "http://127.0.0.1:9112"]
            balancer: {policy: ring_hash, hashOn: "claim:sub", slowStart: 30s}
            healthCheck: {path: /healthz, interval: 2s, timeout: 500ms, healthyThreshold: 1, unhealthyThreshold: 2}
            outlier: {consecutiveErrors: 3, baseEjectionTime: 10s, maxEjectionTime: 1m, maxEjectionPercent: 34}
            breaker: {failures: 5, window: 5s, resetTimeout: 2s}
            retry: {maxRetries: 1, methods: [get], onStatus: [503], backoff: 10ms, maxBackoff: 100ms,
                    perTryTimeout: 300ms, budget: 10%, minPerSecond: 0}
            hedge: {enabled: true, delay: p95, minDelay: 20ms}
            bulkhead: {maxConcurrent: 100, maxPending: 0}
            http2: {enabled: true, connections: 1, maxStreams: 50}
        """, Map.of());
    assertEquals(List.of(URI.create("http://127.0.0.1:9102"), URI.create("http://127.0.0.1:9112")), s.endpoints());
    assertEquals(new ServiceConfig.Balancer(ServiceConfig.Balancer.Policy.RING_HASH,
        new ServiceConfig.HashOn(ServiceConfig.HashOn.Source.CLAIM, "sub"), Duration.ofSeconds(30), List.of(3, 1)), s.balancer());
    assertEquals(new ServiceConfig.HealthCheck("/healthz", Duration.ofSeconds(2), Duration.ofMillis(500), 1, 2), s.healthCheck());
    assertEquals(new ServiceConfig.Outlier(3, Duration.ofSeconds(10), Duration.ofMinutes(1), 34), s.outlier());
    assertEquals(new ServiceConfig.Breaker(true, 5, Duration.ofSeconds(5), Duration.ofSeconds(2)), s.breaker());
    assertEquals(new ServiceConfig.Retry(1, Set.of("GET"), Set.of(503), Duration.ofMillis(10), Duration.ofMillis(100),
        Duration.ofMillis(300), 0.1, 0), s.retry());
    assertEquals(new ServiceConfig.Hedge(true, null, Duration.ofMillis(20), 2), s.hedge());
    assertEquals(new ServiceConfig.Bulkhead(100, 0), s.bulkhead());
    assertEquals(new ServiceConfig.Http2(true, 1, 50), s.http2());
  }

  @Test
  void commaSeparatedEndpointsFromTheEnvironment() throws IOException {
    String yaml = "services:\n  posts:\n    endpoints: ${POSTS_URL:-http://127.0.0.1:9102,http://127.0.0.1:9112}\n";
    assertEquals(2, load(yaml, Map.of()).endpoints().size());
    assertEquals(List.of(URI.create("http://p:1")), load(yaml, Map.of("POSTS_URL", "http://p:1")).endpoints());
  }

  @Test
  void discoveryReplacesTheStaticList() throws IOException {
    ServiceConfig dns = load("services:\n  posts:\n    discovery: {dns: \"posts.internal:8080\", refresh: 5s}\n", Map.of());
    assertEquals(new ServiceConfig.Discovery(ServiceConfig.Discovery.Type.DNS, "posts.internal", 8080, Duration.ofSeconds(5), null), dns.discovery());
    assertEquals(List.of(), dns.endpoints());
    ServiceConfig file = load("services:\n  posts:\n    discovery: {file: /etc/bff/posts}\n", Map.of());
    assertEquals(ServiceConfig.Discovery.Type.FILE, file.discovery().type());
  }

  @Test
  void errorsNameFileLineAndFix() {
    assertMsg(fails("services:\n  posts:\n    endpoints: http://a:1\n    balancer: {policy: random}\n"), 4,
        "services.posts.balancer.policy", "least_request, round_robin, weighted, ring_hash");
    assertMsg(fails("services:\n  posts:\n    endpoints: http://a:1\n    balancer: {policy: ring_hash}\n"), 4,
        "ring_hash needs hashOn");
    assertMsg(fails("services:\n  posts:\n    endpoints: http://a:1\n    retry:\n      budget: 150%\n"), 5,
        "services.posts.retry.budget", "between 0 and 1");
    assertMsg(fails("services:\n  posts:\n    endpoints: \"http://a:1 w=2\"\n"), 3, "weight=3");
    assertMsg(fails("services:\n  posts:\n    endpoints: http://a:1\n    hedge: {enabled: yes}\n"), 4, "true or false");
    assertMsg(fails("services:\n  posts:\n    endpoints: http://a:1\n    breaker: {treshold: 3}\n"), 4,
        "unknown key 'treshold'", "enabled, failures, resetTimeout, window");
    assertMsg(fails("services:\n  posts:\n    discovery: {dns: posts.internal}\n"), 3, "host:port");
  }

  @Test
  void coldStartLoadsAndCapsTheBulkhead() throws IOException {
    ServiceConfig s = load("""
        services:
          fn:
            endpoints: http://127.0.0.1:9107
            bulkhead: {maxConcurrent: 100}
            coldStart: {expected: 1500ms, idleAfter: 10m, keepWarm: 30s, keepWarmFor: 5m, path: /warm, maxConcurrency: 10}
        """, Map.of());
    assertEquals(new ServiceConfig.ColdStart(Duration.ofMillis(1500), Duration.ofMinutes(10), Duration.ofSeconds(30),
        Duration.ofMinutes(5), "/warm", 10, false), s.coldStart());
    assertEquals(ServiceConfig.ColdStart.none(), load("services:\n  a:\n    endpoints: http://a:1\n", Map.of()).coldStart());
  }

  @Test
  void coldStartErrorsNameTheFix() {
    String svc = "services:\n  fn:\n    endpoints: http://a:1\n";
    assertMsg(fails(svc + "    coldStart: {keepWarm: 30s}\n"), 4, "missing 'expected'", "expected: 1500ms");
    assertMsg(fails(svc + "    coldStart: {expected: 1s, idleAfter: 1m, keepWarm: 1m, path: /w}\n"), 4,
        "keepWarm (60000ms) must be shorter than idleAfter (60000ms)", "keepWarm: 30s");
    assertMsg(fails(svc + "    coldStart: {expected: 1s, keepWarm: 30s}\n"), 4, "keepWarm needs a warm-up path",
        "coldStart.path");
    assertMsg(fails(svc + "    coldStart: {expected: 1s, path: warm}\n"), 4, "must start with '/'");
  }

  private static void assertMsg(ConfigException e, int line, String... fragments) {
    assertTrue(e.getMessage().startsWith("ios/bff.yaml:" + line + ": "), e.getMessage());
    for (String f : fragments) assertTrue(e.getMessage().contains(f), () -> "expected '" + f + "' in: " + e.getMessage());
  }
}
