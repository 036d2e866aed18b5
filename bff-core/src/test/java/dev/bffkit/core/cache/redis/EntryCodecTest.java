package dev.bffkit.core.cache.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.bffkit.core.cache.CachedEntry;
import io.vertx.core.buffer.Buffer;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The entry form, case by case: every field survives; the bytes are the same whatever the tag set's order; and each
 * way bytes from the network can be wrong (another version, cut short, something after the value, a length past the
 * end, an over-long varint, tags unsorted or repeated, bad UTF-8, windows past the bound) is null, not an exception.
 */
class EntryCodecTest {
  static final CachedEntry ENTRY = new CachedEntry(Buffer.buffer("{\"rows\":[1,2,3]}"), 1_764_000_000_123L, 30_000,
      60_000, 300_000, Set.of("field:Query.rows", "service:recs", "user:ü"));

  @Test
  void everyFieldRoundTripsAndTheFormIsCanonical() {
    Buffer b = EntryCodec.encode(ENTRY);
    CachedEntry back = EntryCodec.decode(b);
    assertEquals(ENTRY.value(), back.value());
    assertEquals(ENTRY.storedAtMillis(), back.storedAtMillis());
    assertEquals(ENTRY.maxAgeMillis(), back.maxAgeMillis());
    assertEquals(ENTRY.staleWhileRevalidateMillis(), back.staleWhileRevalidateMillis());
    assertEquals(ENTRY.staleIfErrorMillis(), back.staleIfErrorMillis());
    assertEquals(ENTRY.tags(), back.tags());
    assertArrayEquals(b.getBytes(), EntryCodec.encode(back).getBytes());
    // the same entry built from tags in another order writes the same bytes
    Set<String> other = new HashSet<>();
    for (String t : new String[] {"user:ü", "service:recs", "field:Query.rows"}) other.add(t);
    CachedEntry again = new CachedEntry(ENTRY.value(), ENTRY.storedAtMillis(), 30_000, 60_000, 300_000, other);
    assertArrayEquals(b.getBytes(), EntryCodec.encode(again).getBytes());
    // small: 1 + 8 + 3 windows (3 bytes each here) + tags + value
    assertEquals(1 + 8 + 3 + 3 + 3 + 1 + (1 + 16) + (1 + 12) + (1 + 7) + 1 + 16, b.length());
  }

  @Test
  void emptyValueNoTagsAndNegativeStoredAt() {
    CachedEntry e = new CachedEntry(Buffer.buffer(), -5, 0, 0, 0, Set.of());
    CachedEntry back = EntryCodec.decode(EntryCodec.encode(e));
    assertEquals(0, back.value().length());
    assertEquals(-5, back.storedAtMillis());
    assertEquals(Set.of(), back.tags());
  }

  @Test
  void everyTruncationAndAnyTrailingByteIsNull() {
    Buffer b = EntryCodec.encode(ENTRY);
    for (int n = 0; n < b.length(); n++) assertNull(EntryCodec.decode(b.getBuffer(0, n)), "cut at " + n);
    assertNull(EntryCodec.decode(b.copy().appendByte((byte) 0)));
    assertNull(EntryCodec.decode(null));
  }

  @Test
  void anotherVersionIsNull() {
    for (int v : new int[] {0, 2, 0x7b, 0xff}) {
      Buffer b = EntryCodec.encode(ENTRY);
      b.setByte(0, (byte) v);
      assertNull(EntryCodec.decode(b), "version " + v);
    }
  }

  @Test
  void malformedHeadersAreNull() {
    // version, storedAt, windows 1, 1, 1
    Buffer head = Buffer.buffer().appendByte((byte) 1).appendLong(0).appendBytes(new byte[] {1, 1, 1});
    assertNotNull(EntryCodec.decode(head.copy().appendBytes(new byte[] {0, 1, 'x'})));
    // a non-minimal varint (1 written in two bytes)
    assertNull(EntryCodec.decode(Buffer.buffer().appendByte((byte) 1).appendLong(0)
        .appendBytes(new byte[] {(byte) 0x81, 0, 1, 1, 0, 1, 'x'})));
    // a varint that never ends
    assertNull(EntryCodec.decode(Buffer.buffer().appendByte((byte) 1).appendLong(0)
        .appendBytes(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1})));
    // a window past MAX_WINDOW (2^40 + 1 ms)
    Buffer big = Buffer.buffer().appendByte((byte) 1).appendLong(0);
    long w = EntryCodec.MAX_WINDOW + 1;
    while ((w & ~0x7FL) != 0) {
      big.appendByte((byte) ((w & 0x7F) | 0x80));
      w >>>= 7;
    }
    big.appendByte((byte) w).appendBytes(new byte[] {1, 1, 0, 1, 'x'});
    assertNull(EntryCodec.decode(big));
    // a value length past the end, and one short of it
    assertNull(EntryCodec.decode(head.copy().appendBytes(new byte[] {0, 5, 'x'})));
    assertNull(EntryCodec.decode(head.copy().appendBytes(new byte[] {0, 0, 'x'})));
    // a value length far past anything (2^31 - 1 would be allowed as a number, not as bytes)
    assertNull(EntryCodec.decode(head.copy().appendBytes(new byte[] {0, (byte) 0xff, (byte) 0xff, (byte) 0xff,
        (byte) 0xff, 0x07})));
    // too many tags
    assertNull(EntryCodec.decode(head.copy().appendBytes(new byte[] {(byte) 0x81, 0x02, 0, 'x'})));
    // a tag length past the end, and past MAX_TAG_BYTES
    assertNull(EntryCodec.decode(head.copy().appendBytes(new byte[] {1, 9, 'a', 0})));
    assertNull(EntryCodec.decode(head.copy().appendBytes(new byte[] {1, (byte) 0x81, 0x08, 'a', 0})));
  }

  @Test
  void tagsOutOfOrderRepeatedOrNotUtf8AreNull() {
    Buffer head = Buffer.buffer().appendByte((byte) 1).appendLong(0).appendBytes(new byte[] {1, 1, 1});
    assertNotNull(EntryCodec.decode(head.copy().appendBytes(new byte[] {2, 1, 'a', 1, 'b', 0})));
    assertNull(EntryCodec.decode(head.copy().appendBytes(new byte[] {2, 1, 'b', 1, 'a', 0})));
    assertNull(EntryCodec.decode(head.copy().appendBytes(new byte[] {2, 1, 'a', 1, 'a', 0})));
    assertNull(EntryCodec.decode(head.copy().appendBytes(new byte[] {1, 2, (byte) 0xc3, 0x28, 0})));
    assertNull(EntryCodec.decode(head.copy().appendBytes(new byte[] {1, 1, (byte) 0xff, 0})));
  }

  @Test
  void entriesTheDecoderWouldRefuseAreNotEncoded() {
    Set<String> many = new HashSet<>();
    for (int i = 0; i <= EntryCodec.MAX_TAGS; i++) many.add("t" + i);
    assertNull(EntryCodec.encode(new CachedEntry(Buffer.buffer("x"), 0, 1, 0, 0, many)));
    assertNull(EntryCodec.encode(new CachedEntry(Buffer.buffer("x"), 0, 1, 0, 0,
        Set.of("x".repeat(EntryCodec.MAX_TAG_BYTES + 1)))));
    assertNull(EntryCodec.encode(new CachedEntry(Buffer.buffer("x"), 0, EntryCodec.MAX_WINDOW + 1, 0, 0, Set.of())));
    assertNull(EntryCodec.encode(new CachedEntry(Buffer.buffer("x"), 0, -1, 0, 0, Set.of())));
  }
}
