package dev.bffkit.core.portal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import graphql.language.Document;
import graphql.language.OperationDefinition;
import graphql.parser.Parser;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.UnExecutableSchemaGenerator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The answer schema of an operation, table-driven: each row an operation, an answer graphql-java's rules allow
 * (must conform) and one they do not (must not). Covers what the started-BFF tests cannot reach: unions and
 * interfaces (the engine does not serve them yet), nested lists, {@code @skip}, custom scalars.
 */
class GraphqlJsonSchemasTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final GraphQLSchema SCHEMA = UnExecutableSchemaGenerator.makeUnExecutableSchema(new SchemaParser().parse("""
      scalar JSON
      type Query {
        feed: [FeedItem!]!
        node(id: ID!): Node
        grid: [[Int]!]
        meta: JSON
        flag: Boolean!
        ratio: Float
      }
      union FeedItem = Article | Video
      interface Node { id: ID! }
      type Article implements Node { id: ID! title: String }
      type Video implements Node { id: ID! seconds: Int! }
      """));

  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of("union: one member per item, __typename a constant",
            "{ feed { __typename ... on Article { title } ... on Video { seconds } } }",
            "{\"feed\":[{\"__typename\":\"Article\",\"title\":null},{\"__typename\":\"Video\",\"seconds\":3}]}",
            "{\"feed\":[{\"__typename\":\"Video\",\"title\":\"x\"}]}"),
        Arguments.of("union: a member with no fragment is an empty object",
            "{ feed { ... on Video { seconds } } }",
            "{\"feed\":[{},{\"seconds\":1}]}",
            "{\"feed\":[{\"seconds\":null}]}"),
        Arguments.of("interface: fields of the interface and of a member's fragment",
            "{ node(id: 1) { id ...V } } fragment V on Video { seconds }",
            "{\"node\":{\"id\":\"v\",\"seconds\":2}}",
            "{\"node\":{\"seconds\":2}}"),
        Arguments.of("interface: null when nullable",
            "{ node(id: 1) { id } }",
            "{\"node\":null}",
            "{\"node\":{\"id\":1}}"),
        Arguments.of("nested lists keep each level's nullability",
            "{ grid }",
            "{\"grid\":[[1,null],[]]}",
            "{\"grid\":[null]}"),
        Arguments.of("Int is 32-bit",
            "{ grid }",
            "{\"grid\":[[2147483647]]}",
            "{\"grid\":[[2147483648]]}"),
        Arguments.of("@skip makes a key optional, never unexpected",
            "{ flag @skip(if: true) ratio }",
            "{\"ratio\":1.5}",
            "{\"ratio\":1.5,\"other\":1}"),
        Arguments.of("a non-null Boolean is required and not null",
            "{ flag }",
            "{\"flag\":false}",
            "{\"flag\":null}"),
        Arguments.of("a custom scalar is any value; aliases are the keys",
            "{ m: meta }",
            "{\"m\":{\"any\":[1,\"x\"]}}",
            "{\"meta\":1}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void theSchemaTakesWhatTheOperationAnswersAndRefusesTheRest(String name, String query, String good, String bad)
      throws Exception {
    Document doc = Parser.parse(query);
    OperationDefinition op = doc.getDefinitionsOfType(OperationDefinition.class).get(0);
    JsonNode schema = GraphqlJsonSchemas.data(SCHEMA, doc, op);
    JsonNode none = MAPPER.createObjectNode();
    assertEquals(List.of(), SchemaCheck.check(none, schema, MAPPER.readTree(good)), name + ": " + schema);
    assertFalse(SchemaCheck.check(none, schema, MAPPER.readTree(bad)).isEmpty(), name + " refuses " + bad + ": " + schema);
  }
}
