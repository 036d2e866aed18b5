package dev.bffkit.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ClasspathBundles;
import dev.bffkit.core.config.ServiceConfig;
import graphql.ParseAndValidate;
import graphql.language.Document;
import graphql.language.OperationDefinition;
import graphql.language.VariableDefinition;
import graphql.parser.Parser;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.TypeDefinitionRegistry;
import graphql.schema.idl.UnExecutableSchemaGenerator;
import graphql.validation.ValidationError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The four client bundles on the classpath are well formed: the schema (with the engine's
 * directives prepended, as the engine does) builds, every screen validates against it and needs
 * no variables, every service a field calls is declared (in bff.yaml or its includes), every address comes from
 * {@code ${NAME:-default}}.
 */
class ClientBundlesTest {
  /** The engine's own directive definitions, prepended as the engine does. */
  static final String PRELUDE = dev.bffkit.core.compose.CompositionEngine.directiveDefinitions();
  static final Map<String, List<String>> SCREENS = Map.of(
      "ios", List.of("home"), "android", List.of("home"), "web", List.of("dashboard"), "tv", List.of("home"));
  static final Map<String, String> ENV = Map.of(
      "users", "USERS_URL", "posts", "POSTS_URL", "recommendations", "RECS_URL",
      "notifications", "NOTIFICATIONS_URL", "ads", "ADS_URL", "analytics", "ANALYTICS_URL",
      "recommendations-grpc", "RECS_GRPC_URL", "notifications-grpc", "NOTIFICATIONS_GRPC_URL");
  /** What the phone home screens call: four REST services and the two gRPC ones. */
  static final Set<String> PHONE_HOME = new TreeSet<>(List.of("users", "posts", "ads", "analytics",
      "recommendations-grpc", "notifications-grpc"));

  static String resource(String path) throws IOException {
    try (InputStream in = ClientBundlesTest.class.getClassLoader().getResourceAsStream(path)) {
      assertNotNull(in, "missing on classpath: " + path);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ios", "android", "web", "tv"})
  void bundleIsWellFormed(String client) throws IOException {
    String schemaText = resource("bff/" + client + "/schema.graphqls");
    TypeDefinitionRegistry reg = new SchemaParser().parse(PRELUDE + schemaText);
    GraphQLSchema schema = UnExecutableSchemaGenerator.makeUnExecutableSchema(reg);

    for (String screen : SCREENS.get(client)) {
      String text = resource("bff/" + client + "/screens/" + screen + ".graphql");
      Document doc = Parser.parse(text);
      List<ValidationError> errors = ParseAndValidate.validate(schema, doc);
      assertTrue(errors.isEmpty(), client + "/" + screen + ": " + errors);
      List<OperationDefinition> ops = doc.getDefinitionsOfType(OperationDefinition.class);
      assertEquals(1, ops.size(), "one operation per screen");
      for (VariableDefinition v : ops.get(0).getVariableDefinitions()) {
        boolean nullable = !(v.getType() instanceof graphql.language.NonNullType);
        assertTrue(nullable || v.getDefaultValue() != null,
            client + "/" + screen + ": $" + v.getName() + " must be optional (the screen answers with no parameters)");
      }
    }

    String yaml = resource("bff/" + client + "/bff.yaml");
    assertTrue(yaml.contains("name: " + client), "name");
    Set<String> called = new TreeSet<>();
    Matcher m = Pattern.compile("@(?:rest|grpc)\\(\\s*service:\\s*\"([^\"]+)\"").matcher(schemaText);
    while (m.find()) {
      called.add(m.group(1));
    }
    assertTrue(called.size() >= 2, "calls services: " + called);
    // Loaded as the BFF loads it (includes merged): each called service is declared, at an address from its
    // environment variable (here a sentinel), on loopback by default.
    BffConfig withEnv = ClasspathBundles.load(client, name -> ENV.containsValue(name) ? "http://10.9.9.9:1" : null).config();
    BffConfig defaults = ClasspathBundles.load(client, name -> null).config();
    for (String service : called) {
      assertTrue(ENV.containsKey(service), "unknown service " + service);
      ServiceConfig s = withEnv.services().get(service);
      assertNotNull(s, client + ": service " + service + " is declared (in bff.yaml or an included file)");
      assertEquals("10.9.9.9", s.endpoints().get(0).getHost(), client + ": " + service + "'s address comes from ${"
          + ENV.get(service) + ":-...}");
      assertEquals("127.0.0.1", defaults.services().get(service).endpoints().get(0).getHost(), client + ": " + service);
    }
    assertTrue(yaml.contains("${BFF_PORT:-80"), "port from env");
    assertTrue(yaml.contains("${BFF_HOST:-127.0.0.1}"), "host from env");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ios", "android"})
  void phoneHomeTouchesAllSixServicesTwoOverGrpcAndBatchesAuthors(String client) throws IOException {
    String schemaText = resource("bff/" + client + "/schema.graphqls");
    assertTrue(schemaText.contains("batch: {path: \"/users?ids={keys}\", key: \"id\"}"));
    assertTrue(schemaText.contains("@fallback(value: 0)"));
    Set<String> called = new TreeSet<>();
    Matcher m = Pattern.compile("@(?:rest|grpc)\\(\\s*service:\\s*\"([^\"]+)\"").matcher(schemaText);
    while (m.find()) {
      called.add(m.group(1));
    }
    assertEquals(PHONE_HOME, called);
  }
}
