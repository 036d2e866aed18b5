package dev.bffkit.core.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.Int32Value;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.bffkit.schemas.interop.v1.Color;
import dev.bffkit.schemas.interop.v1.EchoReply;
import dev.bffkit.schemas.interop.v1.EchoRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The direct conversion must give exactly what printing with JsonFormat and parsing would. */
class ProtoValuesTest {
  private final JsonFormat.Printer printer = JsonFormat.printer().alwaysPrintFieldsWithNoPresence()
      .omittingInsignificantWhitespace();
  private final ProtoValues values = new ProtoValues(printer, ProtoValues::parseJson);

  /** Checks the generated message and its dynamic twin (what the gateway really holds). */
  private void same(Message m) throws Exception {
    assertEquals(ProtoValues.parseJson(printer.print(m)), values.message(m), m.toString());
    Message dynamic = com.google.protobuf.DynamicMessage.parseFrom(m.getDescriptorForType(), m.toByteArray());
    assertEquals(ProtoValues.parseJson(printer.print(dynamic)), values.message(dynamic), "dynamic " + m);
  }

  @Test
  void everyKindOfFieldMatchesJsonFormat() throws Exception {
    EchoRequest full = EchoRequest.newBuilder()
        .setId("é\"x").setBig(Long.MIN_VALUE).setUbig(-1L).setColor(Color.GREEN)
        .setAt(Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(5_000_000))
        .setTook(Duration.newBuilder().setSeconds(3).setNanos(1))
        .setMeta(Struct.newBuilder().putFields("k", Value.newBuilder().setNumberValue(1.5).build())
            .putFields("n", Value.newBuilder().setNullValueValue(0).build()))
        .setMaybe(Int32Value.of(7))
        .setBlob(ByteString.copyFrom(new byte[] {0, (byte) 0xff, 42}))
        .addAllTags(List.of("a", "b")).putCounts("x", 9_000_000_000L).putCounts("y", -1)
        .setText("one of").setPadBytes(Integer.MAX_VALUE)
        .build();
    same(full);
    same(EchoRequest.getDefaultInstance()); // defaults of fields without presence are printed
    same(EchoRequest.newBuilder().setNumber(0).setColorValue(99).build()); // oneof at default; unknown enum number
    same(EchoReply.newBuilder().setRequest(full).putMetadata("a", "b").setSeq(-3)
        .setPadding(ByteString.copyFromUtf8("pad")).build());
  }
}
