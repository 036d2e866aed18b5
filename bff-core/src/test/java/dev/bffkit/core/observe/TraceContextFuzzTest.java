package dev.bffkit.core.observe;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the edge's reading of {@code traceparent} and {@code tracestate}, which any client
 * sends: it never throws, and whatever it returns is a valid context (non-zero lower-case ids of
 * the right length) whose {@code traceparent} for upstreams is well formed; a caller's trace id
 * is kept only when its header was valid.
 */
class TraceContextFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void accept(FuzzedDataProvider data) {
    boolean wellShaped = data.consumeBoolean();
    String header;
    if (wellShaped) {
      // Mostly-valid shapes reach deeper than random strings: vary one field.
      header = data.consumeString(2) + "-" + data.consumeString(32) + "-" + data.consumeString(16) + "-" + data.consumeString(2);
    } else {
      header = data.consumeString(80);
    }
    String state = data.consumeString(600);
    TraceContext t = TraceContext.accept(header, state, data.consumeProbabilityDouble());
    String id = t.traceId();
    if (!id.matches("[0-9a-f]{32}") || id.equals("0".repeat(32))) throw new AssertionError("trace id " + id);
    String down = t.downstream();
    if (!down.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]")) throw new AssertionError("traceparent " + down);
    if (t.spanId() == 0) throw new AssertionError("zero span id");
    if (t.parentSpanId() != 0 && !header.contains(TraceContext.spanHex(t.parentSpanId()))) {
      throw new AssertionError("a parent that the header did not name: " + header);
    }
    if (t.parentSpanId() != 0 && !header.contains(id)) throw new AssertionError("a trace id the header did not name");
    if (t.traceState() != null && (t.parentSpanId() == 0 || t.traceState().length() > 512)) {
      throw new AssertionError("tracestate kept without a valid traceparent, or too long");
    }
  }
}
