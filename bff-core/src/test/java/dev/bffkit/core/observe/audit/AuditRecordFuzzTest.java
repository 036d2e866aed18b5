package dev.bffkit.core.observe.audit;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.bffkit.core.observe.RequestLog;
import dev.bffkit.core.observe.TraceContext;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.route.RouteKind;
import dev.bffkit.core.route.RouteMatch;
import dev.bffkit.core.route.RoutePolicy;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;

/**
 * Fuzzes what reads audit files, which {@code bff audit verify} takes from anywhere: the line
 * parser throws nothing but {@link AuditFormatException}; a valid line with any byte changed never
 * passes as intact; the verifier answers 0 or 1 for any file; and any request the trail records
 * (whatever its subject, id or route name hold) comes back from the file as written.
 */
class AuditRecordFuzzTest {
  private static final byte[] VALID = validLines();

  @FuzzTest(maxDuration = "10s")
  void lines(FuzzedDataProvider data) {
    boolean mutate = data.consumeBoolean();
    byte[] line;
    if (mutate) {
      int start = VALID.length / 2;
      while (VALID[start - 1] != '\n') start--; // a whole request line from the middle of the chain
      int end = start;
      while (VALID[end] != '\n') end++;
      line = Arrays.copyOfRange(VALID, start, end);
      byte[] original = line.clone();
      int edits = data.consumeInt(1, 4);
      for (int i = 0; i < edits; i++) line[data.consumeInt(0, line.length - 1)] = data.consumeByte();
      if (Arrays.equals(line, original)) return;
    } else {
      line = data.consumeRemainingAsBytes();
    }
    AuditRecord r;
    try {
      r = AuditRecord.parse(line, line.length);
    } catch (AuditFormatException e) {
      return;
    }
    if (!AuditRecord.hex64(r.hash()) || !AuditRecord.hex64(r.prev()) || r.seq() < 0 || !AuditRecord.TYPES.contains(r.type())) {
      throw new AssertionError("parsed an invalid record: " + r);
    }
    if (mutate && r.hashMatches()) throw new AssertionError("a changed line passed: " + new String(line, StandardCharsets.UTF_8));
  }

  @FuzzTest(maxDuration = "10s")
  void files(FuzzedDataProvider data) throws IOException {
    byte[] file;
    if (data.consumeBoolean()) { // a valid file cut, spliced or overwritten somewhere
      file = VALID.clone();
      int at = data.consumeInt(0, file.length - 1);
      byte[] patch = data.consumeBytes(64);
      System.arraycopy(patch, 0, file, at, Math.min(patch.length, file.length - at));
      file = Arrays.copyOf(file, data.consumeInt(0, file.length));
    } else {
      file = data.consumeRemainingAsBytes();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = AuditVerify.verify(new ByteArrayInputStream(file), new PrintStream(out, true, StandardCharsets.UTF_8));
    String said = out.toString(StandardCharsets.UTF_8);
    if (code == 0 ? !said.startsWith("ok ") : code != 1 || !said.startsWith("line ")) {
      throw new AssertionError("exit " + code + ": " + said);
    }
  }

  @FuzzTest(maxDuration = "10s")
  void recordsRoundTrip(FuzzedDataProvider data) throws Exception {
    String subject = data.consumeBoolean() ? null : data.consumeString(200);
    String id = data.consumeString(40);
    String routeName = data.consumeString(40);
    int status = data.consumeInt(0, 999);
    RequestLog log = new RequestLog(id, "GET", System.nanoTime(), data.consumeLong(0, 32_503_680_000_000L),
        TraceContext.root(false), null);
    log.route(new Route(0, routeName, RouteKind.PROXY, new RouteMatch.Prefix("/x"), Set.of(),
        new RoutePolicy(false, Set.of(), 1, Duration.ofSeconds(1), 0, Duration.ofSeconds(1), null), "fuzz", null));
    log.admitted("jwt", subject);
    log.end(status, 0, 0, false);

    AuditChain chain = new AuditChain(Path.of("/nonexistent-bff-fuzz/audit.log"), "fuzz", 2);
    StringBuilder text = new StringBuilder();
    chain.begin(text);
    chain.line(AuditTrail.fields(log), text);
    chain.line(AuditTrail.fields(log), text);
    chain.end(text);
    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = AuditVerify.verify(new ByteArrayInputStream(bytes), new PrintStream(out, true, StandardCharsets.UTF_8));
    if (code != 0) throw new AssertionError(out.toString(StandardCharsets.UTF_8) + "\n" + text);
    String second = text.toString().split("\n")[1];
    byte[] line = second.getBytes(StandardCharsets.UTF_8);
    AuditRecord r = AuditRecord.parse(line, line.length);
    check("subject", subject == null ? null : cut(subject, 128), r.fields().getString("subject"));
    check("request_id", cut(id, 128), r.fields().getString("request_id"));
    check("route", cut(routeName, 256), r.fields().getString("route"));
    check("status", status, r.fields().getInteger("status"));
  }

  private static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }

  private static void check(String what, Object expected, Object actual) {
    if (!Objects.equals(expected, actual)) throw new AssertionError(what + ": wrote " + expected + ", read " + actual);
  }

  /** A small intact chain, made by the writer's own code. */
  private static byte[] validLines() {
    AuditChain chain = new AuditChain(Path.of("/nonexistent-bff-fuzz/audit.log"), "fuzz", 3);
    StringBuilder text = new StringBuilder();
    chain.begin(text);
    for (int i = 0; i < 8; i++) {
      RequestLog log = new RequestLog("r" + i, "POST", System.nanoTime(), 1_796_000_000_000L + i, TraceContext.root(false), null);
      log.admitted("jwt", "u" + i);
      log.digestBodies();
      log.requestBody(Buffer.buffer("b" + i));
      log.end(200, 1, 1, false);
      chain.line(AuditTrail.fields(log), text);
    }
    chain.lost(5, text);
    chain.end(text);
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }
}
