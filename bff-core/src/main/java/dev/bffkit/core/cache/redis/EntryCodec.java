package dev.bffkit.core.cache.redis;

import dev.bffkit.core.cache.CachedEntry;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A {@link CachedEntry} as Redis keeps it: a few header bytes, then the upstream answer as it came. Anything that can
 * write the fleet's Redis can hand us bytes, so {@link #decode} trusts none of them: every length is bounded and
 * checked against what is there, and anything off (unknown version, truncation, trailing bytes, a non-minimal varint,
 * tags out of order, bad UTF-8) is null, a miss. The form is canonical: one entry has exactly one encoding, so
 * {@code encode(decode(b))} is {@code b} for every {@code b} that decodes.
 *
 * <pre>
 * u8      version (1)
 * i64     storedAtMillis, big-endian
 * varint  maxAgeMillis, staleWhileRevalidateMillis, staleIfErrorMillis   (unsigned LEB128, minimal, &lt;= MAX_WINDOW)
 * varint  tag count (&lt;= MAX_TAGS), then per tag: varint length (&lt;= MAX_TAG_BYTES) + UTF-8, strictly ascending
 * varint  value length, then the value; nothing after it
 * </pre>
 */
public final class EntryCodec {
  static final byte VERSION = 1;
  /** About 34 years: far past any window, and storedAt + three windows cannot overflow. */
  static final long MAX_WINDOW = 1L << 40;
  static final int MAX_TAGS = 256;
  static final int MAX_TAG_BYTES = 1024;
  /** Header bytes before the tags: version, storedAt, three windows at their longest. */
  private static final int FIXED = 1 + 8 + 3 * 6;

  private EntryCodec() {}

  /** The bytes to store, or null when the entry is outside what {@link #decode} accepts (too many or too long tags). */
  public static Buffer encode(CachedEntry e) {
    if (e.tags().size() > MAX_TAGS || !window(e.maxAgeMillis()) || !window(e.staleWhileRevalidateMillis())
        || !window(e.staleIfErrorMillis())) {
      return null;
    }
    List<String> tags = new ArrayList<>(e.tags());
    tags.sort(null); // Set order differs between JVMs; sorted, every instance writes the same bytes
    List<byte[]> tagBytes = new ArrayList<>(tags.size());
    int size = FIXED + 5 + 5 + e.value().length();
    for (String t : tags) {
      byte[] b = t.getBytes(StandardCharsets.UTF_8);
      if (b.length > MAX_TAG_BYTES) return null;
      tagBytes.add(b);
      size += 2 + b.length;
    }
    Buffer out = Buffer.buffer(size);
    out.appendByte(VERSION).appendLong(e.storedAtMillis());
    varint(out, e.maxAgeMillis());
    varint(out, e.staleWhileRevalidateMillis());
    varint(out, e.staleIfErrorMillis());
    varint(out, tagBytes.size());
    for (byte[] b : tagBytes) {
      varint(out, b.length);
      out.appendBytes(b);
    }
    varint(out, e.value().length());
    out.appendBuffer(e.value());
    return out;
  }

  /** The entry, or null when the bytes are not exactly one entry in this form. Never throws. */
  public static CachedEntry decode(Buffer in) {
    if (in == null || in.length() < 1 + 8 || in.getByte(0) != VERSION) return null;
    Reader r = new Reader(in, 1);
    long storedAt = in.getLong(r.at);
    r.at += 8;
    long maxAge = r.varint(MAX_WINDOW);
    long swr = r.varint(MAX_WINDOW);
    long sie = r.varint(MAX_WINDOW);
    long count = r.varint(MAX_TAGS);
    if (count < 0 || swr < 0 || sie < 0 || maxAge < 0) return null;
    Set<String> tags = count == 0 ? Set.of() : new HashSet<>((int) count * 2);
    String previous = null;
    for (int i = 0; i < count; i++) {
      String tag = r.utf8(r.varint(MAX_TAG_BYTES));
      if (tag == null || (previous != null && previous.compareTo(tag) >= 0)) return null;
      tags.add(tag);
      previous = tag;
    }
    long length = r.varint(Integer.MAX_VALUE);
    if (length < 0 || length != in.length() - r.at) return null;
    Buffer value = in.getBuffer(r.at, in.length());
    return new CachedEntry(value, storedAt, maxAge, swr, sie, tags);
  }

  private static boolean window(long ms) {
    return ms >= 0 && ms <= MAX_WINDOW;
  }

  private static void varint(Buffer out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.appendByte((byte) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.appendByte((byte) v);
  }

  /** Reads forward; every read answers -1 (or null) once anything is wrong, and the caller gives up. */
  private static final class Reader {
    final Buffer in;
    int at;

    Reader(Buffer in, int at) {
      this.in = in;
      this.at = at;
    }

    /** An unsigned LEB128 no larger than {@code max}, in its shortest form; else -1. */
    long varint(long max) {
      long v = 0;
      for (int shift = 0; shift < 63; shift += 7) {
        if (at >= in.length()) return -1;
        byte b = in.getByte(at++);
        v |= (long) (b & 0x7F) << shift;
        if (v > max) return -1;
        if ((b & 0x80) == 0) {
          return b == 0 && shift > 0 ? -1 : v; // a trailing zero byte: not the shortest form
        }
      }
      return -1;
    }

    String utf8(long length) {
      if (length < 0 || length > in.length() - at) return null;
      int n = (int) length;
      CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
      try {
        CharBuffer chars = d.decode(ByteBuffer.wrap(in.getBytes(at, at + n)));
        at += n;
        return chars.toString();
      } catch (CharacterCodingException e) {
        return null;
      }
    }
  }
}
