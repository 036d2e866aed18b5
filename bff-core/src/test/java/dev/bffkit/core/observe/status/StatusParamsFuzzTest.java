package dev.bffkit.core.observe.status;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the {@code seconds}/{@code step} parameters of {@code /status/data}: never throws, and
 * the answer is the default, -1 (a 400) or a number within the bounds that parses back to itself.
 */
class StatusParamsFuzzTest {
  @FuzzTest(maxDuration = "5s")
  void bounded(FuzzedDataProvider data) {
    String v = data.consumeRemainingAsString();
    int n = StatusPage.bounded(v, 300, 1, 900);
    if (n == -1) return;
    if (n < 1 || n > 900) throw new AssertionError("out of bounds: " + n + " for '" + v + "'");
    if (!String.valueOf(n).equals(v.replaceFirst("^0+(?=.)", ""))) throw new AssertionError(n + " read from '" + v + "'");
  }
}
