package dev.bffkit.core.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A misconfigured gRPC binding stops the start with the file, the line and what is known. */
class GrpcStartupErrorsTest {
  @TempDir
  Path dir;

  private String fail(String yaml, String schema) throws Exception {
    Path folder = dir.resolve("app");
    Files.createDirectories(folder.resolve("screens"));
    Files.writeString(folder.resolve("bff.yaml"), yaml);
    Files.writeString(folder.resolve("schema.graphqls"), schema);
    ConfigException e = assertThrows(ConfigException.class, () -> {
      ClientBundle b = BundleLoader.load(folder, Map.<String, String>of()::get);
      CompositionEngine.create(b);
    });
    return e.getMessage();
  }

  static final String YAML = """
      name: app
      services:
        recs: { endpoints: ["http://127.0.0.1:9203"], protocol: grpc }
        users: { endpoints: ["http://127.0.0.1:9101"] }
      grpc:
        descriptors: [classpath:grpc/bffkit-services.desc]
      """;

  @Test
  void unknownMethodNamesTheFieldAndTheServicesMethods() throws Exception {
    String msg = fail(YAML, """
        type Query {
          x: Int @grpc(service: "recs", method: "recs.v1.Recommendations/GetRecs")
        }
        """);
    assertEquals("app/schema.graphqls:2: Query.x: @grpc: unknown gRPC method 'recs.v1.Recommendations/GetRecs';"
        + " recs.v1.Recommendations has: BatchGetRecs, GetRec, GetRecommendations, ListSaved, StreamRecommendations", msg);
  }

  @Test
  void unknownServiceListsTheKnownOnes() throws Exception {
    String msg = fail(YAML, """
        type Query {
          x: Int @grpc(service: "recs", method: "recs.v2.Recs/Get")
        }
        """);
    assertEquals("app/schema.graphqls:2: Query.x: @grpc: unknown gRPC service 'recs.v2.Recs'; the descriptor sets define:"
        + " bffkit.interop.v1.Interop, bffkit.interop.v1.Lookup, notify.v1.Notifications, recs.v1.Recommendations", msg);
  }

  @Test
  void requestFieldsAreCheckedAtStartUp() throws Exception {
    String msg = fail(YAML, """
        type Query {
          x(u: ID): Int @grpc(service: "recs", method: "recs.v1.Recommendations/GetRecommendations",
                              request: "{\\"userId\\": {args.u}, \\"lmit\\": 3}")
        }
        """);
    assertEquals("app/schema.graphqls:2: Query.x: @grpc: request does not fit recs.v1.GetRecommendationsRequest:"
        + " Cannot find field: lmit in message recs.v1.GetRecommendationsRequest", msg);
  }

  static String selecting(String select) {
    return "type Query {\n  # the answer is a bffkit.interop.v1.EchoReply\n"
        + "  x: JSON @grpc(service: \"recs\", method: \"bffkit.interop.v1.Interop/Echo\", select: \"" + select + "\")\n}\n";
  }

  @Test
  void aSelectThatNamesNoFieldOfTheAnswerStopsTheStart() throws Exception {
    String where = "app/schema.graphqls:3: Query.x: @grpc: select '";
    String[][] table = {
        {"reqest", "reqest': bffkit.interop.v1.EchoReply has no field 'reqest'; it has: request, metadata, seq, padding"},
        {"request.pad_bytes", "request.pad_bytes': bffkit.interop.v1.EchoRequest has no field 'pad_bytes';"
            + " answers use JSON names: write 'padBytes'"},
        {"request.tags.first", "request.tags.first': bffkit.interop.v1.EchoRequest.tags is a list; 'first' is not an index"},
        {"seq.value", "seq.value': bffkit.interop.v1.EchoReply.seq is not a message; it has no field 'value'"},
        {"request.tags.0.x", "request.tags.0.x': bffkit.interop.v1.EchoRequest.tags is not a message; it has no field 'x'"},
        {"metadata.k.x", "metadata.k.x': bffkit.interop.v1.EchoReply.MetadataEntry.value is not a message;"
            + " it has no field 'x'"},
    };
    for (String[] row : table) assertEquals(where + row[1], fail(YAML, selecting(row[0])), row[0]);
  }

  @Test
  void selectsThatNameFieldsStart() throws Exception {
    // Fields by JSON name, list indexes, map keys, and anything inside a well-known type (free-form JSON).
    for (String select : new String[] {"", "request", "seq", "request.padBytes", "request.tags.0", "request.counts.any",
        "metadata.x-trace", "request.meta.any.depth", "request.at"}) {
      Path folder = dir.resolve("ok" + Math.abs(select.hashCode()));
      Files.createDirectories(folder.resolve("screens"));
      Files.writeString(folder.resolve("bff.yaml"), YAML);
      Files.writeString(folder.resolve("schema.graphqls"), selecting(select));
      CompositionEngine.create(BundleLoader.load(folder, Map.<String, String>of()::get));
    }
  }

  @Test
  void restOnAGrpcServiceAndGrpcOnAnHttpService() throws Exception {
    assertEquals("app/schema.graphqls:2: Query.x: @rest: service 'recs' speaks gRPC (protocol: grpc); bind the field with @grpc",
        fail(YAML, "type Query {\n  x: Int @rest(service: \"recs\", path: \"/x\")\n}\n"));
    assertEquals("app/schema.graphqls:2: Query.x: @grpc: service 'users' is not a gRPC service; add protocol: grpc to"
        + " services.users in bff.yaml",
        fail(YAML, "type Query {\n  x: Int @grpc(service: \"users\", method: \"recs.v1.Recommendations/GetRecommendations\")\n}\n"));
  }

  @Test
  void missingDescriptorSetNamesTheYamlLine() throws Exception {
    String msg = fail(YAML.replace("classpath:grpc/bffkit-services.desc", "classpath:grpc/nope.desc"),
        "type Query { x: Int }\n");
    assertEquals("app/bff.yaml:6: grpc.descriptors[0]: 'classpath:grpc/nope.desc' is not on the classpath; put the jar that"
        + " holds it beside the launcher (java -cp bff.jar:schemas.jar dev.bffkit.core.Bff --config DIR), make it a"
        + " dependency of the client module, or name the file by its path instead", msg);
  }

  @Test
  void badProtocol() throws Exception {
    String msg = fail(YAML.replace("protocol: grpc", "protocol: grcp"), "type Query { x: Int }\n");
    assertEquals("app/bff.yaml:3: services.recs.protocol: 'grcp' is not a protocol; write grpc or http (the default)", msg);
  }
}
