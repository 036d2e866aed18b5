package dev.bffkit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code limits:}, {@code filters:}, {@code cors:}, {@code tls:} and {@code server.h2c}: defaults, keys, errors. */
class EdgeConfigTest {
  private static BffConfig parse(String yaml) {
    return BffYaml.parse("web/bff.yaml", yaml, "web", new EnvInterpolator(name -> null));
  }

  private static String fails(String yaml) {
    return assertThrows(ConfigException.class, () -> parse(yaml)).getMessage();
  }

  @Test
  void defaultsKeepExistingBundlesAsTheyWere() {
    BffConfig c = parse("name: web\n");
    assertEquals(LimitsConfig.defaults(), c.limits());
    assertFalse(c.filters().enabled());
    assertFalse(c.cors().enabled());
    assertFalse(c.tls().enabled());
    assertFalse(c.server().h2c(), "h2c is opt-in: with it on the slowloris guard starts late");
  }

  @Test
  void everyKey() {
    BffConfig c = parse("""
        server: { h2c: true }
        limits:
          maxUriBytes: 4kb
          headerReadTimeout: 10s
          maxConnections: 500
          graphql: { maxDepth: 8, maxAliases: 5, maxRootFields: 6, maxTokens: 900, maxCost: 300, introspection: false, persistedQueries: false }
        filters:
          ipAllow: ["10.0.0.0/8", "2001:db8::/32"]
          ipDeny: 10.6.6.0/24
          trustedProxies: [127.0.0.1, "::1"]
          countryHeader: CF-IPCountry
          countryDeny: [kp]
          waf: audit
        cors:
          allowOrigins: ["https://app.example.com", "http://localhost:3000"]
          allowMethods: [get, post, put]
          allowHeaders: [Authorization, Content-Type, X-Trace]
          allowCredentials: true
          maxAge: 1m
        tls: { certPath: /etc/bff/cert.pem, keyPath: /etc/bff/key.pem, reloadInterval: 30s, hsts: 4320h }
        """);
    assertTrue(c.server().h2c());
    assertEquals(new LimitsConfig(4096, Duration.ofSeconds(10), 500, new LimitsConfig.Graphql(8, 5, 6, 900, 300, false, false)),
        c.limits());
    assertEquals(new FiltersConfig(List.of("10.0.0.0/8", "2001:db8::/32"), List.of("10.6.6.0/24"), List.of("127.0.0.1", "::1"),
        "cf-ipcountry", Set.of(), Set.of("KP"), FiltersConfig.WafMode.AUDIT), c.filters());
    assertEquals(List.of("https://app.example.com", "http://localhost:3000"), c.cors().allowOrigins());
    assertEquals(Set.of("GET", "POST", "PUT"), c.cors().allowMethods());
    assertEquals(Set.of("authorization", "content-type", "x-trace"), c.cors().allowHeaders());
    assertTrue(c.cors().allowCredentials());
    assertEquals(new TlsConfig("/etc/bff/cert.pem", "/etc/bff/key.pem", Duration.ofSeconds(30), Duration.ofHours(4320)), c.tls());
  }

  @Test
  void wafBody() {
    FiltersConfig d = parse("filters:\n  waf: block\n").filters();
    assertEquals(FiltersConfig.WafBody.defaults(), d.wafBody());
    assertTrue(d.inspectsBodies());
    assertTrue(d.wafBody().inspects("application/vnd.api+json"));
    assertTrue(d.wafBody().inspects("text/csv"));
    assertFalse(d.wafBody().inspects("application/octet-stream"));
    assertFalse(d.wafBody().inspects("image/png"));
    FiltersConfig c = parse("""
        filters:
          waf: audit
          wafBody:
            inspect: true
            limit: 16kb
            overLimit: reject
            types: [Application/JSON, "text/*", "application/*+xml"]
        """).filters();
    assertEquals(new FiltersConfig.WafBody(true, 16 * 1024, FiltersConfig.OverLimit.REJECT,
        List.of("application/json", "text/*", "application/*+xml")), c.wafBody());
    assertTrue(c.wafBody().inspects("application/atom+xml"));
    assertFalse(c.wafBody().inspects("application/x-www-form-urlencoded"));
    assertFalse(parse("filters:\n  waf: block\n  wafBody: { inspect: false }\n").filters().inspectsBodies());
    assertFalse(parse("filters:\n  wafBody: { inspect: true }\n").filters().inspectsBodies(), "the WAF is off");
  }

  @Test
  void errors() {
    assertTrue(fails("filters:\n  ipAllow: [10.0.0.0/33]\n").startsWith("web/bff.yaml:2: filters.ipAllow[0]: '10.0.0.0/33' is not an IP range"));
    assertTrue(fails("filters:\n  trustedProxies: [proxy.internal]\n").contains("not a literal IP address"));
    assertTrue(fails("filters:\n  countryAllow: [CH]\n").contains("need countryHeader"));
    assertTrue(fails("filters:\n  waf: strict\n").contains("write one of off, audit, block"));
    assertTrue(fails("filters:\n  waf: block\n  wafBody: { limit: 64KiB }\n")
        .startsWith("web/bff.yaml:3: filters.wafBody.limit: '64KiB' is not a size"));
    assertTrue(fails("filters:\n  wafBody:\n    overLimit: drop\n")
        .startsWith("web/bff.yaml:3: filters.wafBody.overLimit: 'drop' is not an over-limit action; write pass"));
    assertTrue(fails("filters:\n  wafBody:\n    types: [application/json, json]\n")
        .startsWith("web/bff.yaml:3: filters.wafBody.types[1]: 'json' is not a media type"));
    assertTrue(fails("filters:\n  wafBody:\n    maxBytes: 10\n")
        .startsWith("web/bff.yaml:3: filters.wafBody.maxBytes: unknown key 'maxBytes'; allowed here: inspect, limit, overLimit, types"));
    assertTrue(fails("cors:\n  allowOrigins: [\"https://a.example/path\"]\n").contains("is not an origin"));
    assertTrue(fails("cors:\n  allowOrigins: [\"*\"]\n  allowCredentials: true\n").contains("cannot be used with the origin *"));
    assertTrue(fails("tls:\n  certPath: /c.pem\n").contains("missing 'keyPath'"));
    assertTrue(fails("tls:\n  keyPath: /k.pem\n").contains("keyPath needs certPath"));
    assertTrue(fails("limits:\n  graphql: { maxDepth: 0 }\n").startsWith("web/bff.yaml:2: limits.graphql.maxDepth"));
  }
}
