package dev.bffkit.core.portal.keys;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * Fuzzes the body of {@code POST /portal/keys}: either a {@link KeyRequest.Refused} (400 or 422) or
 * a request whose name holds only the allowed characters (nothing that could be markup or a line
 * break in the page or a log) and whose tier is one offered. Never another exception.
 */
class KeyRequestFuzzTest {
  private static final List<String> TIERS = List.of("free", "pro");

  @FuzzTest(maxDuration = "10s")
  void body(FuzzedDataProvider data) {
    byte[] bytes = data.consumeRemainingAsBytes();
    KeyRequest r;
    try {
      r = KeyRequest.parse(Buffer.buffer(bytes), TIERS);
    } catch (KeyRequest.Refused refused) {
      if (refused.status != 400 && refused.status != 422) throw new AssertionError("status " + refused.status);
      return;
    }
    if (!TIERS.contains(r.tier())) throw new AssertionError("tier " + r.tier());
    if (r.name().isEmpty() || r.name().length() > KeyRequest.MAX_NAME) throw new AssertionError("name length " + r.name().length());
    for (char c : r.name().toCharArray()) {
      if (!(Character.isLetterOrDigit(c) && c < 128 || " _.-".indexOf(c) >= 0)) throw new AssertionError("char " + (int) c);
    }
  }
}
