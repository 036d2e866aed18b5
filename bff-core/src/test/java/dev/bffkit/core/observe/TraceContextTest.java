package dev.bffkit.core.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** W3C Trace Context (https://www.w3.org/TR/trace-context/) as the edge reads a caller's {@code traceparent}. */
class TraceContextTest {
  static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String SPAN = "00f067aa0ba902b7";

  static Stream<Arguments> refused() {
    return Stream.of(
        Arguments.of("all-zero trace id (§3.2.2.3)", "00-00000000000000000000000000000000-" + SPAN + "-01"),
        Arguments.of("all-zero parent id (§3.2.2.4)", "00-" + TRACE + "-0000000000000000-01"),
        Arguments.of("upper-case hex (§3.2.2.3: lower-case only)", "00-" + TRACE.toUpperCase() + "-" + SPAN + "-01"),
        Arguments.of("non-hex in the trace id", "00-" + TRACE.substring(0, 31) + "g-" + SPAN + "-01"),
        Arguments.of("non-hex flags", "00-" + TRACE + "-" + SPAN + "-0x"),
        Arguments.of("version ff (§3.2.2.1: invalid)", "ff-" + TRACE + "-" + SPAN + "-01"),
        Arguments.of("too short", "00-" + TRACE + "-" + SPAN + "-1"),
        Arguments.of("too long for version 00", "00-" + TRACE + "-" + SPAN + "-01-extra"),
        Arguments.of("a later version whose extra part is not after a dash", "01-" + TRACE + "-" + SPAN + "-01extra"),
        Arguments.of("an upper-case version", "0A-" + TRACE + "-" + SPAN + "-01"),
        Arguments.of("wrong separators", "00_" + TRACE + "_" + SPAN + "_01"),
        Arguments.of("empty", ""),
        Arguments.of("a plus sign parsed as a digit elsewhere", "00-+bf92f3577b34da6a3ce929d0e0e4736-" + SPAN + "-01"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void aMalformedTraceparentStartsANewTraceOfOurOwn(String why, String header) {
    TraceContext t = TraceContext.accept(header, "vendor=x", 0);
    assertNotEquals(TRACE, t.traceId(), why);
    assertEquals(0, t.parentSpanId(), why);
    assertFalse(t.sampled(), why + ": ratio 0 samples nothing new");
    assertNull(t.traceState(), why + ": a tracestate without a valid traceparent is dropped (§3.3)");
    assertTrue(t.traceId().matches("[0-9a-f]{32}") && !t.traceId().equals("0".repeat(32)));
  }

  @Test
  void aValidTraceparentIsContinuedWithItsSampledFlagAndState() {
    TraceContext sampled = TraceContext.accept("00-" + TRACE + "-" + SPAN + "-01", "vendor=x", 0);
    assertEquals(TRACE, sampled.traceId());
    assertEquals(SPAN, TraceContext.spanHex(sampled.parentSpanId()));
    assertTrue(sampled.sampled(), "the caller's sampled flag wins over our ratio 0");
    assertEquals("vendor=x", sampled.traceState());
    TraceContext not = TraceContext.accept("00-" + TRACE + "-" + SPAN + "-00", null, 1);
    assertFalse(not.sampled(), "the caller said not sampled: ratio 1 does not override it");
    // Other flag bits are kept out of our decision (only bit 0 is 'sampled').
    assertTrue(TraceContext.accept("00-" + TRACE + "-" + SPAN + "-03", null, 0).sampled());
  }

  @Test
  void aLaterVersionIsReadAsVersion00ByItsFirstFields() {
    // §3.2.4: a header of a newer version is parsed with the fields this reader knows.
    for (String header : new String[] {"01-" + TRACE + "-" + SPAN + "-01", "cc-" + TRACE + "-" + SPAN + "-01-what-the-future-adds"}) {
      TraceContext t = TraceContext.accept(header, null, 0);
      assertEquals(TRACE, t.traceId(), header);
      assertEquals(SPAN, TraceContext.spanHex(t.parentSpanId()), header);
      assertTrue(t.sampled(), header);
      assertTrue(t.downstream().startsWith("00-" + TRACE + "-"), "we send the version we speak: " + t.downstream());
    }
  }

  @Test
  void whatGoesUpstreamCarriesOurTraceOurSpanAndOurFlag() {
    TraceContext t = TraceContext.accept("00-" + TRACE + "-" + SPAN + "-00", null, 0);
    String down = t.downstream();
    assertEquals("00-" + TRACE + "-" + TraceContext.spanHex(t.spanId()) + "-00", down);
    assertNotEquals(SPAN, TraceContext.spanHex(t.spanId()), "our span, not the caller's, is the parent upstream");
    assertEquals(down, t.downstream(), "made once");
    assertTrue(TraceContext.root(true).downstream().endsWith("-01"));
  }

  @Test
  void theRatioSamplesAboutItsShareOfNewTraces() {
    int sampled = 0;
    for (int i = 0; i < 100_000; i++) if (TraceContext.accept(null, null, 0.01).sampled()) sampled++;
    assertTrue(sampled > 700 && sampled < 1300, "1 % of 100 000: " + sampled);
    assertEquals(0, countSampled(0));
    assertEquals(1000, countSampled(1));
  }

  private static int countSampled(double ratio) {
    int n = 0;
    for (int i = 0; i < 1000; i++) if (TraceContext.accept(null, null, ratio).sampled()) n++;
    return n;
  }
}
