package dev.bffkit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.TestBundles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code routes[].rules}: content rules as parsed, and every mistake refused with file, line and fix. */
class RouteRulesConfigTest {
  @TempDir Path tmp;

  private ClientBundle load(String rules) throws IOException {
    return TestBundles.helloFolder(tmp.resolve("ios"), """
        name: ios
        services:
          orders:
            endpoints:
              - { url: "http://127.0.0.1:9", labels: { version: v1 } }
              - { url: "http://127.0.0.1:10", labels: { version: v2 } }
          next: { endpoints: "http://127.0.0.1:11" }
        routes:
          - prefix: /api/orders
            service: orders
            rules:
        """ + rules.indent(6));
  }

  @Test
  void rulesAreParsedInOrderWithTheirConditions() throws IOException {
    List<RouteRuleConfig> rules = load("""
        - name: beta
          match: [ { header: X-Beta, value: "1" }, { claim: tier, value: [gold, platinum] } ]
          subset: { version: v2 }
        - match: [ { body: /a~1b/c, value: x }, { method: [post, PUT] }, { query: debug }, { path: /api/orders/bulk } ]
          service: next
        """).config().routes().get(0).rules();
    assertEquals(2, rules.size());
    RouteRuleConfig beta = rules.get(0);
    assertEquals("beta", beta.name());
    assertEquals(new Condition(Condition.Source.HEADER, "x-beta", List.of("1")), beta.match().get(0));
    assertEquals(new Condition(Condition.Source.CLAIM, "tier", List.of("gold", "platinum")), beta.match().get(1));
    assertEquals(Map.of("version", "v2"), beta.subset());
    assertEquals(null, beta.service());
    assertTrue(beta.declaredAt().startsWith("ios/bff.yaml:"), beta.declaredAt());
    RouteRuleConfig second = rules.get(1);
    assertEquals("rule-2", second.name());
    assertEquals(new Condition(Condition.Source.METHOD, null, List.of("POST", "PUT")), second.match().get(1));
    assertEquals(new Condition(Condition.Source.QUERY, "debug", List.of()), second.match().get(2));
    assertTrue(second.readsBody());
    assertEquals("next", second.service());
  }

  static Stream<Arguments> mistakes() {
    return Stream.of(
        Arguments.of("- { match: [ { header: x-a, value: \"1\" } ], service: nope }", "is not a service"),
        Arguments.of("- { match: [ { header: x-a, value: \"1\" } ] }", "names no destination"),
        Arguments.of("- { service: next }", "missing 'match'"),
        Arguments.of("- { match: [], service: next }", "missing 'match'"),
        Arguments.of("- { match: [ { header: x-a, cookie: b } ], service: next }", "one of body, claim, cookie"),
        Arguments.of("- { match: [ { value: \"1\" } ], service: next }", "missing what to test"),
        Arguments.of("- { match: [ { header: \"x a\" } ], service: next }", "is not a header name"),
        Arguments.of("- { match: [ { body: order.priority } ], service: next }", "is not a JSON Pointer"),
        Arguments.of("- { match: [ { method: FETCH } ], service: next }", "is not an HTTP method"),
        Arguments.of("- { match: [ { method: GET, value: x } ], service: next }", "lists its methods"),
        Arguments.of("- { match: [ { path: /api/other } ], service: next }", "is not under the route's prefix"),
        Arguments.of("- { match: [ { path: /api/ordersX } ], service: next }", "is not under the route's prefix"),
        Arguments.of("- { match: [ { query: \"\" } ], service: next }", "is empty"),
        Arguments.of("- { match: [ { header: x-a } ], subset: { version: v9 } }", "no endpoint of service orders has the labels"),
        Arguments.of("- { match: [ { header: x-a } ], service: next, subset: { version: v2 } }",
            "no endpoint of service next"),
        Arguments.of("- { name: a, match: [ { header: x-a } ], service: next }\n- { name: a, match: [ { header: x-b } ], service: next }",
            "a second rule named 'a'"),
        Arguments.of("- { match: [ { header: x-a } ], service: next, weight: 3 }", "unknown key 'weight'"));
  }

  @ParameterizedTest
  @MethodSource("mistakes")
  void mistakesAreRefusedWithTheirLine(String rules, String says) {
    ConfigException e = assertThrows(ConfigException.class, () -> load(rules));
    assertTrue(e.getMessage().contains(says), e.getMessage());
    assertTrue(e.getMessage().contains("bff.yaml:"), "names file and line: " + e.getMessage());
  }
}
