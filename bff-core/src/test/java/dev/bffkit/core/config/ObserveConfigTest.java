package dev.bffkit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code observe:}: defaults, every key, and an error naming file, line, key and fix for each mistake. */
class ObserveConfigTest {
  private static BffConfig parse(String yaml) {
    return BffYaml.parse("ios/bff.yaml", yaml, "ios", new EnvInterpolator(name -> null));
  }

  @Test
  void defaultsMeasureTraceAndLogButAuditNothing() {
    ObserveConfig o = parse("name: ios\n").observe();
    assertEquals(ObserveConfig.defaults(), o);
    assertTrue(o.metrics().enabled() && o.tracing().enabled() && o.accessLog().enabled() && o.statusPage());
    assertEquals(0.01, o.tracing().sampling());
    assertEquals(ObserveConfig.Tracing.Exporter.LOG, o.tracing().exporter());
    assertFalse(o.audit().enabled());
    assertTrue(o.slos().isEmpty());
  }

  @Test
  void everyKey() {
    ObserveConfig o = parse("""
        observe:
          metrics: { enabled: true, buckets: [50ms, 5ms, 500ms, 5ms] }
          tracing: { sampling: 10%, endpoint: "http://127.0.0.1:4318/v1/traces", serviceName: ios-edge }
          accessLog: { file: /var/log/bff/access.log, maxFileBytes: 1mb, maxFiles: 3, queue: 1024 }
          audit: { file: /var/log/bff/audit.log, queue: 256, checkpointEvery: 50, routes: ["screen:home"] }
          statusPage: false
          slos:
            - { name: home-fast, route: "screen:home", availability: 99.9%, latency: { threshold: 300ms, target: 99% }, window: 7d }
            - { route: graphql, availability: 0.995 }
        """).observe();
    assertEquals(List.of(Duration.ofMillis(5), Duration.ofMillis(50), Duration.ofMillis(500)), o.metrics().buckets(),
        "sorted, without duplicates");
    assertEquals(new ObserveConfig.Tracing(true, 0.1, ObserveConfig.Tracing.Exporter.OTLP, "http://127.0.0.1:4318/v1/traces",
        "ios-edge"), o.tracing(), "an endpoint means OTLP");
    assertEquals(new ObserveConfig.AccessLog(true, "/var/log/bff/access.log", 1 << 20, 3, 1024), o.accessLog());
    assertEquals(new ObserveConfig.Audit(true, "/var/log/bff/audit.log", 256, 50, List.of("screen:home")), o.audit());
    assertFalse(o.statusPage());
    assertEquals(new ObserveConfig.Slo("home-fast", "screen:home", 0.999, 0.99, Duration.ofMillis(300), Duration.ofDays(7),
        "ios/bff.yaml:8"), o.slos().get(0));
    ObserveConfig.Slo g = o.slos().get(1);
    assertEquals("graphql", g.name(), "named after its route by default");
    assertEquals(0.995, g.availability());
    assertEquals(0, g.latencyTarget());
    assertNull(g.latencyThreshold());
    assertEquals(Duration.ofDays(30), g.window());
  }

  @Test
  void anEmptyEndpointFromTheEnvironmentMeansLoggedSpans() {
    ObserveConfig.Tracing t = parse("observe: { tracing: { endpoint: \"${OTLP:-}\" } }").observe().tracing();
    assertEquals(ObserveConfig.Tracing.Exporter.LOG, t.exporter());
    assertNull(t.endpoint());
  }

  static Stream<Arguments> mistakes() {
    return Stream.of(
        Arguments.of("observe: { tracing: { sampling: 2 } }", "ios/bff.yaml:1: observe.tracing.sampling: '2' must be between 0 and 1"),
        Arguments.of("observe: { tracing: { exporter: jaeger } }", "observe.tracing.exporter: 'jaeger' is not an exporter; write log, otlp or none"),
        Arguments.of("observe: { tracing: { exporter: otlp } }", "exporter otlp needs an endpoint"),
        Arguments.of("observe: { tracing: { endpoint: \"grpc://x:4317\" } }", "is not an http(s) URL"),
        Arguments.of("observe: { metrics: { buckets: [0, 5ms] } }", "observe.metrics.buckets[0]: '0' is not a positive duration"),
        Arguments.of("observe: { tracer: {} }", "tracer"),
        Arguments.of("observe:\n  slos:\n    - { availability: 99% }", "ios/bff.yaml:3: observe.slos[0]: missing 'route'"),
        Arguments.of("observe:\n  slos:\n    - { route: graphql }", "declares no objective"),
        Arguments.of("observe:\n  slos:\n    - { route: graphql, availability: 100% }", "leaves no error budget"),
        Arguments.of("observe:\n  slos:\n    - { route: graphql, latency: { target: 99% } }", "missing 'threshold'"),
        Arguments.of("observe:\n  slos:\n    - { route: graphql, availability: 99% }\n    - { route: graphql, availability: 98% }",
            "ios/bff.yaml:4: observe.slos[1]"),
        Arguments.of("observe:\n  slos:\n    - { name: \"a b\", route: graphql, availability: 99% }", "may hold only letters"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mistakes")
  void eachMistakeNamesItsPlaceAndTheFix(String yaml, String expected) {
    String message = assertThrows(ConfigException.class, () -> parse(yaml)).getMessage();
    assertTrue(message.contains(expected), message);
  }
}
