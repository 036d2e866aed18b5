package dev.bffkit.core.wasm;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes what a filter hands the host as a header map (proxy_set_header_map_pairs, proxy_send_local_response: every
 * byte is the filter's) and the field checks every write passes: parsing never throws; a map it accepts re-serialises
 * to an equal map (names as HTTP/2 carries them, lower case); a write is accepted only when the name is a token and
 * the value has no CR, LF or NUL, so no filter can split a header.
 */
class HeaderPairsFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void pairs(FuzzedDataProvider data) {
    boolean asMap = data.consumeBoolean();
    byte[] bytes = asMap ? wellFormedish(data) : data.consumeRemainingAsBytes();
    MultiMap parsed = HeaderPairs.parse(bytes);
    if (parsed == null) return;
    byte[] again = HeaderPairs.serialize(HeaderView.of(parsed));
    MultiMap reparsed = HeaderPairs.parse(again);
    if (reparsed == null) throw new AssertionError("a map we wrote does not parse");
    if (!entries(parsed, true).equals(entries(reparsed, false))) {
      throw new AssertionError("round trip changed the map: " + entries(parsed, true) + " vs " + entries(reparsed, false));
    }
    // the view's writes: all or nothing, and never a field that could split the head
    MultiMap target = MultiMap.caseInsensitiveMultiMap().add("keep", "1");
    boolean accepted = HeaderView.of(target).replaceAll(parsed);
    boolean allValid = true;
    for (Map.Entry<String, String> e : parsed) {
      // a pseudo-header (":path" from get_header_map_pairs handed back) is let through and set or ignored
      allValid &= HeaderView.validValue(e.getValue()) && (e.getKey().startsWith(":") || HeaderView.validName(e.getKey()));
    }
    if (accepted != allValid) throw new AssertionError("replaceAll " + accepted + " for " + entries(parsed, false));
    if (!accepted && !"1".equals(target.get("keep"))) throw new AssertionError("a refused replaceAll changed the map");
    for (Map.Entry<String, String> e : target) checkField(e.getKey(), e.getValue());
  }

  @FuzzTest(maxDuration = "10s")
  void fields(FuzzedDataProvider data) {
    String name = data.consumeString(40);
    String value = data.consumeRemainingAsString();
    MultiMap target = MultiMap.caseInsensitiveMultiMap();
    boolean put = HeaderView.of(target).put(name, value, data.consumeBoolean());
    if (put) {
      checkField(name, value);
      if (!value.equals(target.get(name))) throw new AssertionError("accepted but not stored: " + name);
    } else if (!target.isEmpty()) {
      throw new AssertionError("refused but stored: " + name);
    }
  }

  private static void checkField(String name, String value) {
    if (name.isEmpty() || name.chars().anyMatch(c -> c <= ' ' || c == ':' || c >= 0x7f)) {
      throw new AssertionError("accepted the name " + name);
    }
    if (value.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) throw new AssertionError("accepted a split value");
  }

  /** A count and lengths that mostly agree with the bytes after them, so the parser gets past its first checks. */
  private static byte[] wellFormedish(FuzzedDataProvider data) {
    int n = data.consumeInt(0, 6);
    List<byte[]> parts = new ArrayList<>();
    for (int i = 0; i < 2 * n; i++) parts.add(data.consumeBytes(data.consumeInt(0, 12)));
    int size = 4 + 8 * n;
    for (byte[] p : parts) size += p.length + 1;
    byte[] out = new byte[size + data.consumeInt(-3, 3) + 3];
    int at = 0;
    at = le(out, at, n + (data.consumeBoolean() ? 0 : data.consumeInt(-2, 2)));
    for (byte[] p : parts) at = le(out, at, p.length + (data.consumeInt(0, 9) == 0 ? data.consumeInt(-2, 2) : 0));
    for (byte[] p : parts) {
      if (at + p.length + 1 > out.length) break;
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length + 1;
    }
    return out;
  }

  private static int le(byte[] b, int at, int v) {
    if (at + 4 > b.length) return at;
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
    b[at + 2] = (byte) (v >>> 16);
    b[at + 3] = (byte) (v >>> 24);
    return at + 4;
  }

  /** The pairs in order; names in lower case as the ABI sends them (ASCII only, as HTTP/2). */
  private static List<String> entries(MultiMap m, boolean lower) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, String> e : m) {
      out.add((lower ? asciiLower(e.getKey()) : e.getKey()) + "\0" + e.getValue());
    }
    return out;
  }

  private static String asciiLower(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
    }
    return b.toString();
  }
}
