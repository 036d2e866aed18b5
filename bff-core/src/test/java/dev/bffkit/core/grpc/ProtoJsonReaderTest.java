package dev.bffkit.core.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.bffkit.core.config.GrpcConfig;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The fast request reader against JsonFormat, the reference: whatever it takes, JsonFormat takes
 * and encodes to the same bytes; what it leaves (null), JsonFormat still decides. The canonical
 * requests a screen renders are taken by the fast path.
 */
class ProtoJsonReaderTest {
  private static final DescriptorRegistry REGISTRY = DescriptorRegistry.load(new GrpcConfig(
      List.of(new GrpcConfig.Entry("classpath:grpc/bffkit-services.desc", new GrpcConfig.Pos("bff.yaml", 1, "grpc"))),
      GrpcConfig.DEFAULT_MAX_MESSAGE_BYTES, Set.of(), List.of(), List.of()), null);
  private static final Descriptor ECHO = REGISTRY.require("bffkit.interop.v1.Interop/Echo").input();
  private static final Descriptor PUT = REGISTRY.require("bffkit.interop.v1.Interop/Put").input();
  private static final JsonFormat.Parser REFERENCE = JsonFormat.parser();

  /** Taken by the fast path, and the same bytes as JsonFormat. */
  private static void taken(Descriptor type, String json) throws Exception {
    DynamicMessage fast = ProtoJsonReader.read(type, json);
    assertNotNull(fast, "the fast path should take " + json);
    assertArrayEquals(reference(type, json).toByteArray(), fast.toByteArray(), json);
  }

  /** Whatever the fast path does, it agrees with JsonFormat (same bytes, or left to it). */
  private static void agrees(Descriptor type, String json) {
    DynamicMessage fast = ProtoJsonReader.read(type, json);
    if (fast == null) return; // JsonFormat decides, accepting or naming the error
    try {
      assertArrayEquals(reference(type, json).toByteArray(), fast.toByteArray(), json);
    } catch (InvalidProtocolBufferException e) {
      fail("the fast path took what JsonFormat refuses: " + json + " (" + e.getMessage() + ")");
    }
  }

  private static DynamicMessage reference(Descriptor type, String json) throws InvalidProtocolBufferException {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
    REFERENCE.merge(json, b);
    return b.build();
  }

  @Test
  void canonicalRequestsTakeTheFastPathWithJsonFormatsBytes() throws Exception {
    taken(ECHO, "{}");
    taken(ECHO, "{\"id\": \"u1\"}");
    taken(ECHO, "{\"id\": \"u1\", \"big\": \"9007199254740993\", \"ubig\": \"18446744073709551615\"}");
    taken(ECHO, "{\"big\": -42, \"ubig\": 0, \"color\": \"COLOR_UNSPECIFIED\"}");
    taken(ECHO, "{\"tags\": [\"a\", \"b\", \"\"], \"filter\": \"x y\", \"padBytes\": 7}");
    taken(ECHO, "{\"pad_bytes\": 2147483647}");
    taken(PUT, "{\"id\": \"p1\", \"item\": {\"name\": \"nut\", \"qty\": -3}, \"note\": \"\\u00e9\\n\"}");
  }

  @Test
  void everythingElseAgreesWithJsonFormat() {
    String[] inputs = {
        "{\"id\": 5}", "{\"id\": null}", "{\"id\": \"a\", \"id\": \"b\"}", "{\"id\": \"a\", \"id\": \"a\"}",
        "{\"padBytes\": 1, \"pad_bytes\": 1}", "{\"big\": 1.5}", "{\"big\": 1e3}", "{\"big\": \"1e3\"}",
        "{\"big\": \"9223372036854775808\"}", "{\"big\": 9223372036854775807}", "{\"big\": \"-9223372036854775808\"}",
        "{\"ubig\": -1}", "{\"ubig\": \"18446744073709551616\"}", "{\"padBytes\": 2147483648}", "{\"padBytes\": \"12\"}",
        "{\"padBytes\": -2147483648}", "{\"padBytes\": 3.0}", "{\"color\": \"NOPE\"}", "{\"color\": 1}",
        "{\"tags\": \"a\"}", "{\"tags\": [1]}", "{\"tags\": [null]}", "{\"tags\": [], \"tags\": [\"x\"]}",
        "{\"counts\": {\"a\": 1}}", "{\"text\": \"t\"}", "{\"text\": \"t\", \"number\": 1}", "{\"at\": \"2024-01-01T00:00:00Z\"}",
        "{\"maybe\": 3}", "{\"meta\": {\"a\": [1, true]}}", "{\"blob\": \"AAE=\"}", "{\"nope\": 1}", "[]", "", "{",
        "{\"id\": \"a\"} trailing", "{\"id\": \"a\"}{}", "{\"id\": true}", "null", "{\"tags\": [\"a\", [\"b\"]]}"};
    for (String json : inputs) agrees(ECHO, json);
    for (String json : new String[] {"{\"item\": null}", "{\"item\": {\"qty\": \"5\"}}", "{\"item\": {\"qty\": 5, \"qty\": 6}}",
        "{\"item\": [] }", "{\"item\": {\"name\": \"n\", \"extra\": 1}}"}) {
      agrees(PUT, json);
    }
  }
}
