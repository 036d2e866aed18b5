package dev.bffkit.core.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.MultiMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small parsers of the gRPC bridges, table by table. */
class GrpcWebPartsTest {
  @Test
  void grpcTimeoutAsProtocolHttp2Defines() {
    Map<String, Long> table = new LinkedHashMap<>();
    table.put(null, GrpcTimeout.NONE);
    table.put("1H", 3_600_000L);
    table.put("2M", 120_000L);
    table.put("3S", 3_000L);
    table.put("100m", 100L);
    table.put("1500u", 2L); // rounded up, never to "no timeout"
    table.put("1n", 1L);
    table.put("0m", 0L);
    table.put("99999999m", 86_400_000L); // 8 digits; capped at a day
    table.put("99999999H", 86_400_000L);
    for (String bad : new String[] {"", "m", "100", "123456789m", "-1S", "+1S", "1.5S", "10x", "10 m", " 10m", "1h", "1s"}) {
      table.put(bad, GrpcTimeout.MALFORMED);
    }
    table.forEach((header, expected) -> assertEquals(expected, GrpcTimeout.millis(header), "'" + header + "'"));
  }

  @Test
  void contentTypes() {
    assertEquals(GrpcWebStage.Mode.BINARY, GrpcWebStage.mode("application/grpc-web"));
    assertEquals(GrpcWebStage.Mode.BINARY, GrpcWebStage.mode("Application/GRPC-WEB+PROTO; charset=x"));
    assertEquals(GrpcWebStage.Mode.TEXT, GrpcWebStage.mode("application/grpc-web-text"));
    assertEquals(GrpcWebStage.Mode.TEXT, GrpcWebStage.mode("application/grpc-web-text+proto"));
    assertEquals(GrpcWebStage.Mode.UNSUPPORTED, GrpcWebStage.mode("application/grpc-web+json"));
    assertEquals(GrpcWebStage.Mode.UNSUPPORTED, GrpcWebStage.mode("application/grpc-webx"));
    assertEquals(null, GrpcWebStage.mode("application/grpc"));
    assertEquals(null, GrpcWebStage.mode("application/json"));
    assertEquals(null, GrpcWebStage.mode(null));
  }

  @Test
  void grpcMessageIsPercentEncoded() {
    assertEquals("not found: caf%C3%A9 100%25%0D%0A", GrpcWebResponse.percentEncode("not found: café 100%\r\n"));
  }

  @Test
  void configuredMetadataFollowsTheGrpcGrammar() {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    GrpcMetadata.add(out, "x-user", "u1 ~!");
    GrpcMetadata.add(out, "x-raw-bin", "not base64 \u0000\r\n"); // binary: any bytes, sent as base64
    assertEquals("u1 ~!", out.get("x-user"));
    assertEquals("bm90IGJhc2U2NCAADQo=", out.get("x-raw-bin"));
    for (String value : new String[] {"a\u0000b", "a\r\nx-evil: 1", "a\nb", "a\tb", "\u007f", "caf\u00e9"}) {
      GrpcFault.Refused r = assertThrows(GrpcFault.Refused.class, () -> GrpcMetadata.add(out, "x-user", value));
      assertEquals(GrpcFault.INVALID_ARGUMENT, r.fault().code());
    }
    for (String key : new String[] {"grpc-status", "te", "content-type", "connection", "host", "x user", "x:y", ""}) {
      assertThrows(GrpcFault.Refused.class, () -> GrpcMetadata.add(out, key, "v"), key);
    }
  }

  @Test
  void forwardedHeadersWithControlCharactersRefuseTheCall() {
    MultiMap ok = MultiMap.caseInsensitiveMultiMap().add("x-a", "1").add("x-obs", "caf\u00e9").add("X!Odd", "v");
    MultiMap md = GrpcMetadata.fromRequest(ok, null);
    assertEquals("1", md.get("x-a"));
    assertEquals(null, md.get("x-obs"), "obs-text is legal HTTP but not gRPC ASCII: skipped");
    assertEquals(null, md.get("x!odd"), "a name gRPC cannot carry: skipped");
    for (String v : new String[] {"a\u0000b", "a\rb", "a\u0001"}) {
      assertThrows(GrpcFault.Refused.class, () -> GrpcMetadata.fromRequest(MultiMap.caseInsensitiveMultiMap().add("x-a", v), null));
    }
    MultiMap identity = MultiMap.caseInsensitiveMultiMap().add("x-user-id", "u1\r\nx-admin: 1");
    assertThrows(GrpcFault.Refused.class, () -> GrpcMetadata.fromRequest(MultiMap.caseInsensitiveMultiMap(), identity));
  }
}
