package dev.bffkit.core.cache.redis;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.bffkit.core.cache.CachedEntry;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Fuzzes what the tier reads from Redis (anything that can write the fleet's Redis chooses those bytes): decoding
 * never throws; bytes that decode re-encode to themselves (one entry, one form, so nothing slips past the checks by an
 * alternative spelling); and entries built from fuzzed fields survive the round trip. Seeds run in every build;
 * JAZZER_FUZZ=1 fuzzes for maxDuration.
 */
class EntryCodecFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void decode(FuzzedDataProvider data) {
    byte[] bytes = data.consumeRemainingAsBytes();
    CachedEntry e = EntryCodec.decode(Buffer.buffer(bytes));
    if (e == null) return;
    Buffer again = EntryCodec.encode(e);
    if (again == null) throw new AssertionError("decoded an entry the encoder refuses");
    if (!Arrays.equals(bytes, again.getBytes())) throw new AssertionError("two spellings of one entry");
  }

  @FuzzTest(maxDuration = "10s")
  void roundTrip(FuzzedDataProvider data) {
    long storedAt = data.consumeLong();
    long maxAge = data.consumeLong(0, EntryCodec.MAX_WINDOW);
    long swr = data.consumeLong(0, EntryCodec.MAX_WINDOW);
    long sie = data.consumeLong(0, EntryCodec.MAX_WINDOW);
    Set<String> tags = new HashSet<>();
    int n = data.consumeInt(0, 8);
    for (int i = 0; i < n; i++) tags.add(valid(data.consumeString(40)));
    byte[] value = data.consumeRemainingAsBytes();
    CachedEntry e = new CachedEntry(Buffer.buffer(value), storedAt, maxAge, swr, sie, tags);
    Buffer b = EntryCodec.encode(e);
    if (b == null) throw new AssertionError("refused an entry within the bounds");
    CachedEntry back = EntryCodec.decode(b);
    if (back == null || back.storedAtMillis() != storedAt || back.maxAgeMillis() != maxAge
        || back.staleWhileRevalidateMillis() != swr || back.staleIfErrorMillis() != sie || !back.tags().equals(tags)
        || !Arrays.equals(value, back.value().getBytes())) {
      throw new AssertionError("round trip changed the entry: " + e + " -> " + back);
    }
  }

  /** A lone surrogate has no UTF-8 form; the tags the compose side makes are text. */
  private static String valid(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        b.append(c).append(s.charAt(++i));
      } else if (!Character.isSurrogate(c)) {
        b.append(c);
      }
    }
    return b.toString();
  }
}
