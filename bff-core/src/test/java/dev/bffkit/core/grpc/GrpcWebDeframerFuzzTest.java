package dev.bffkit.core.grpc;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * Fuzzes the gRPC-Web request deframer (the client controls every byte of the body): it never
 * throws; the verdict does not depend on how the body is cut into chunks; and a body it accepts is
 * exactly one uncompressed data frame of at most the limit (text mode: the base64 of one), so
 * nothing the service receives differs from what the frame declared.
 */
class GrpcWebDeframerFuzzTest {
  private static final int MAX = 64;

  @FuzzTest(maxDuration = "10s")
  void bodies(FuzzedDataProvider data) {
    boolean text = data.consumeBoolean();
    int cut = data.consumeInt(0, 64);
    byte[] body = data.consumeRemainingAsBytes();

    GrpcWebDeframer whole = new GrpcWebDeframer(text, MAX);
    GrpcFault early = whole.update(Buffer.buffer(body));
    GrpcFault verdict = early != null ? early : whole.end();

    GrpcWebDeframer pieces = new GrpcWebDeframer(text, MAX);
    GrpcFault split = null;
    for (int at = 0; at < body.length && split == null; at += Math.max(1, cut)) {
      split = pieces.update(Buffer.buffer(Arrays.copyOfRange(body, at, Math.min(body.length, at + Math.max(1, cut)))));
    }
    if (split == null) split = pieces.end();
    if (!Objects.equals(verdict, split)) {
      throw new AssertionError("whole: " + verdict + ", in chunks of " + cut + ": " + split);
    }
    if (verdict != null) {
      if (verdict.code() != GrpcFault.INTERNAL && verdict.code() != GrpcFault.RESOURCE_EXHAUSTED) {
        throw new AssertionError("unexpected status " + verdict);
      }
      return;
    }
    byte[] message = whole.message().getBytes();
    if (message.length > MAX) throw new AssertionError("accepted " + message.length + " bytes over the limit");
    if (!Arrays.equals(message, pieces.message().getBytes())) throw new AssertionError("chunking changed the message");
    if (!text) {
      byte[] frame = Buffer.buffer().appendByte((byte) 0).appendInt(message.length).appendBytes(message).getBytes();
      if (!Arrays.equals(frame, body)) throw new AssertionError("accepted a body that is not exactly one frame");
    } else if (body.length % 4 == 0 && !new String(body, StandardCharsets.ISO_8859_1).contains("=")) {
      // unpadded, unsplit base64: the JDK's decoder must agree
      byte[] decoded = Base64.getDecoder().decode(body);
      byte[] frame = Buffer.buffer().appendByte((byte) 0).appendInt(message.length).appendBytes(message).getBytes();
      if (!Arrays.equals(frame, decoded)) throw new AssertionError("text body decoded differently from the JDK");
    }
  }
}
