package dev.bffkit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.config.ConfigKey.Section;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The key declarations are the truth about bff.yaml: the checked-in reference and JSON Schema are what they generate;
 * every section refuses a key it does not declare; and every declared default is the parser's (a file that writes a
 * key at its declared default parses to the same configuration as one that leaves it out).
 */
class ConfigReferenceTest {
  private static final Path DOCS = Path.of("").toAbsolutePath().getParent().resolve("docs");
  private static final String SERVICE = "services: { s: { endpoints: [\"http://127.0.0.1:1\"], BODY } }";
  private static final String LABELLED = "services: { s: { endpoints: [\"http://127.0.0.1:1\", { url: \"http://127.0.0.1:2\","
      + " labels: { version: v2 } }], canary: { subset: { version: v2 }, %s } } }";
  private static final String ISSUER = "{ issuer: \"https://idp.example\", jwksUrl: \"https://idp.example/jwks\" }";
  private static final String TIERS = "rateLimits: { tiers: { free: { limits: [ { limit: 10, per: 1s } ] } } }\n";

  /** Where each section lives in a minimal valid file; BODY is where its keys go. Plain dotted paths nest by default. */
  private static final Map<String, String> CONTEXT = Map.ofEntries(
      Map.entry("", "BODY"),
      Map.entry("services.<name>", SERVICE),
      Map.entry("services.<name>.healthCheck", "services: { s: { endpoints: [\"http://127.0.0.1:1\"], protocol: grpc,"
          + " healthCheck: { BODY } } }"),
      Map.entry("services.<name>.coldStart", SERVICE.replace("BODY", "coldStart: { expected: 1s, BODY }")),
      Map.entry("services.<name>.endpoints[]", "services: { s: { endpoints: [ { url: \"http://127.0.0.1:1\", BODY } ] } }"),
      Map.entry("services.<name>.canary", LABELLED.formatted("BODY")),
      Map.entry("services.<name>.canary.match[]", LABELLED.formatted("match: [ { header: x-beta, BODY } ]")),
      Map.entry("services.<name>.canary.rollback", LABELLED.formatted("rollback: { BODY }")),
      Map.entry("services.<name>.canary.rollback.latency", LABELLED.formatted("rollback: { latency: { threshold: 300ms, BODY } }")),
      Map.entry("routes[]", SERVICE.replace("BODY", "") + "\nroutes: [ { prefix: /x, service: s, BODY } ]"),
      Map.entry("routes[].rules[]", SERVICE.replace("BODY", "") + "\nroutes: [ { prefix: /x, service: s, rules: [ { service: s, match: [ { header: h } ], BODY } ] } ]"),
      Map.entry("routes[].rules[].match[]", SERVICE.replace("BODY", "")
          + "\nroutes: [ { prefix: /x, service: s, rules: [ { service: s, match: [ { header: h, BODY } ] } ] } ]"),
      Map.entry("grpc.transcode[]", "services: { g: { endpoints: [\"http://127.0.0.1:1\"], protocol: grpc } }\n"
          + "grpc: { descriptors: [\"classpath:grpc/bffkit-services.desc\"], transcode: [ { service: g,"
          + " grpcService: recs.v1.Recommendations, BODY } ] }"),
      Map.entry("grpc.web[]", "services: { g: { endpoints: [\"http://127.0.0.1:1\"], protocol: grpc } }\n"
          + "grpc: { descriptors: [\"classpath:grpc/bffkit-services.desc\"], web: [ { service: g,"
          + " grpcService: recs.v1.Recommendations, BODY } ] }"),
      Map.entry("auth.issuers[]", "auth: { issuers: [ { issuer: \"https://idp.example\", BODY } ] }"),
      Map.entry("auth.issuers[].introspection", "auth: { issuers: [ { issuer: \"https://idp.example\","
          + " introspection: { clientId: bff, clientSecret: s, BODY } } ] }"),
      Map.entry("auth.apiKeys.keys[]", "auth: { apiKeys: { keys: [ { name: k, sha256: \"" + "a".repeat(64) + "\", BODY } ] } }"),
      Map.entry("observe.slos[]", "observe: { slos: [ { route: \"screen:x\", availability: 99%, BODY } ] }"),
      Map.entry("observe.slos[].latency", "observe: { slos: [ { route: \"screen:x\", latency: { threshold: 300ms, BODY } } ] }"),
      Map.entry("rateLimits.tiers.<tier>", "rateLimits: { tiers: { free: { limits: [ { limit: 10, per: 1s } ], BODY } } }"),
      Map.entry("rateLimits.tiers.<tier>.limits[]", "rateLimits: { tiers: { free: { limits: [ { limit: 10, per: 1s, BODY } ] } } }"),
      Map.entry("rateLimits.tiers.<tier>.quota", "rateLimits: { tiers: { free: { quota: { limit: 100, BODY } } } }"),
      Map.entry("rateLimits.rules[]", "rateLimits: { rules: [ { name: r, routes: [\"*\"], key: ip,"
          + " limits: [ { limit: 5, per: 1s } ], BODY } ] }"),
      Map.entry("rateLimits.billing", "rateLimits: { tiers: { free: { quota: { limit: 100, over: bill } } },"
          + " billing: { url: \"https://billing.example/usage\","
          + " secret: \"0123456789abcdef0123\", BODY } }"),
      Map.entry("filters.wasm[]", "filters: { wasm: [ { name: f, file: \"classpath:grpc/bffkit-services.desc\","
          + " routes: [\"*\"], BODY } ] }"),
      Map.entry("traffic.mirrors[]", SERVICE.replace("BODY", "") + "\ntraffic: { mirrors: [ { route: \"screen:x\", service: s,"
          + " BODY } ] }"),
      Map.entry("portal.keys", TIERS + "portal: { keys: { enabled: true, store: { file: keys.json }, BODY } }"),
      Map.entry("portal.keys.store", TIERS + "portal: { keys: { enabled: true, store: { BODY } } }"),
      Map.entry("portal.keys.store.redis", TIERS + "portal: { keys: { enabled: true, store: { redis: { url: \"redis://127.0.0.1:1\","
          + " BODY } } } }"),
      Map.entry("portal.public", "auth: { issuers: [ " + ISSUER + " ] }\nportal: { public: { path: /developers, BODY } }"));

  /** The file for {@code section} with {@code body} (one {@code key: value}, or nothing) in it. */
  static String file(Section section, String body) {
    String template = CONTEXT.get(section.path());
    if (template == null) {
      String[] parts = section.path().split("\\.");
      if (section.path().startsWith("services.<name>.")) {
        template = SERVICE.replace("BODY", nest(parts, 2));
      } else {
        assertTrue(section.path().matches("[A-Za-z0-9.]+"), "CONTEXT needs an entry for " + section.path());
        template = nest(parts, 0);
      }
    }
    return template.replace("BODY", body);
  }

  /** {@code a: { b: { BODY } }} for the path's parts from {@code from} on. */
  private static String nest(String[] parts, int from) {
    StringBuilder sb = new StringBuilder();
    for (int i = from; i < parts.length; i++) sb.append(parts[i]).append(": { ");
    return sb.append("BODY").append(" }".repeat(parts.length - from)).toString();
  }

  static Stream<Section> sections() {
    return ConfigKeys.ROOT.all().stream();
  }

  private static BffConfig parse(String yaml) {
    return BffYaml.parse("t/bff.yaml", yaml, "t", new EnvInterpolator(name -> null));
  }

  @Test
  void theCheckedInReferenceAndSchemaAreWhatTheDeclarationsGenerate() throws IOException {
    String fix = " differs from the declarations; regenerate: mvn -q -pl bff-core package -DskipTests && java -cp"
        + " bff-core/target/bff.jar dev.bffkit.core.config.ConfigReference docs";
    assertEquals(ConfigReference.markdown(), Files.readString(DOCS.resolve(ConfigReference.MARKDOWN)),
        "docs/" + ConfigReference.MARKDOWN + fix);
    assertEquals(ConfigReference.jsonSchema(), Files.readString(DOCS.resolve(ConfigReference.SCHEMA)),
        "docs/" + ConfigReference.SCHEMA + fix);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sections")
  void eachSectionParsesInItsContextAndRefusesAnUndeclaredKey(Section section) {
    assertNotNull(parse(file(section, "")), "the minimal file for " + section.path());
    ConfigException e = assertThrows(ConfigException.class, () -> parse(file(section, "zzUndeclared: 1")));
    assertTrue(e.getMessage().contains("unknown key 'zzUndeclared'"), e.getMessage());
    String shown = section.path().replace("<name>", "s").replace("<tier>", "free").replaceAll("\\[\\]", "[0]");
    assertTrue(e.getMessage().contains((shown.isEmpty() ? "" : shown + ".") + "zzUndeclared"), e.getMessage());
  }

  /** Configurations built in Java (tests, the warm-up copy) start from the records' defaults(): the same values. */
  @Test
  void theRecordsDefaultsAreTheDeclaredOnes() {
    BffConfig empty = parse(file(ConfigKeys.ROOT, ""));
    assertEquals(ServerConfig.defaults(), empty.server());
    assertEquals(CompositionConfig.defaults(), empty.composition());
    assertEquals(LimitsConfig.defaults(), empty.limits());
    assertEquals(ObserveConfig.defaults(), empty.observe());
    assertEquals(CorsConfig.off(), empty.cors());
    assertEquals(TlsConfig.off(), empty.tls());
    ServiceConfig s = parse(file(ConfigKeys.SERVICE, "")).services().get("s");
    assertEquals(ServiceConfig.Balancer.defaults(), s.balancer());
    assertEquals(ServiceConfig.HealthCheck.defaults(), s.healthCheck());
    assertEquals(ServiceConfig.Outlier.defaults(), s.outlier());
    assertEquals(ServiceConfig.Breaker.defaults(), s.breaker());
    assertEquals(ServiceConfig.Retry.defaults(), s.retry());
    assertEquals(ServiceConfig.Hedge.defaults(), s.hedge());
    assertEquals(ServiceConfig.Bulkhead.defaults(), s.bulkhead());
    assertEquals(ServiceConfig.Http2.defaults(), s.http2());
    assertEquals(ServiceConfig.Discovery.defaults(), s.discovery());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sections")
  void everyDeclaredDefaultIsTheParsersDefault(Section section) {
    BffConfig without = parse(file(section, ""));
    List<String> wrong = new ArrayList<>();
    for (ConfigKey k : section.keys()) {
      // A key the context itself must write (e.g. enabled: true to reach the section) is not compared.
      if (k.defaultValue() == null || k.section() != null || file(section, "").contains(" " + k.name() + ":")) continue;
      String body = k.name() + ": \"" + k.defaultValue() + "\"";
      try {
        BffConfig with = parse(file(section, body));
        if (!with.equals(without)) wrong.add(k.name() + ": \"" + k.defaultValue() + "\" changes the configuration");
      } catch (ConfigException e) {
        wrong.add(k.name() + ": \"" + k.defaultValue() + "\" is refused: " + e.getMessage());
      }
    }
    assertEquals(List.of(), wrong, section.path());
  }
}
