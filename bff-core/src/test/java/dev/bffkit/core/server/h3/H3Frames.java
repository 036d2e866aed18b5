package dev.bffkit.core.server.h3;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/3 frames made by hand (RFC 9114 section 7.1), with field sections in QPACK's plainest form: literal names and
 * values, no Huffman coding, no dynamic table (RFC 9204 section 4.5.6). Tests use it to send what Netty's client
 * codec would refuse to write.
 */
final class H3Frames {
  static final int DATA = 0x0;
  static final int HEADERS = 0x1;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  H3Frames frame(long type, byte[] payload) {
    varint(out, type);
    varint(out, payload.length);
    out.writeBytes(payload);
    return this;
  }

  /** A frame's type and a declared length, without (all of) its payload: a truncated or oversized frame. */
  H3Frames header(long type, long declaredLength, byte[] partial) {
    varint(out, type);
    varint(out, declaredLength);
    out.writeBytes(partial);
    return this;
  }

  H3Frames headers(String... namesAndValues) {
    return frame(HEADERS, fieldSection(namesAndValues));
  }

  H3Frames data(String text) {
    return frame(DATA, text.getBytes(StandardCharsets.UTF_8));
  }

  H3Frames bytes(byte[] raw) {
    out.writeBytes(raw);
    return this;
  }

  byte[] build() {
    return out.toByteArray();
  }

  /** A QPACK field section: prefix (Required Insert Count 0, Base 0), then literal field lines with literal names. */
  static byte[] fieldSection(String... nv) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(0);
    b.write(0);
    for (int i = 0; i < nv.length; i += 2) {
      byte[] n = nv[i].getBytes(StandardCharsets.ISO_8859_1);
      byte[] v = nv[i + 1].getBytes(StandardCharsets.ISO_8859_1);
      prefixed(b, 0x20, 3, n.length); // 001 N=0 H=0, name length in 3 bits
      b.writeBytes(n);
      prefixed(b, 0x00, 7, v.length); // H=0, value length in 7 bits
      b.writeBytes(v);
    }
    return b.toByteArray();
  }

  /** An integer with an N-bit prefix (RFC 7541 section 5.1, as QPACK uses it). */
  static void prefixed(ByteArrayOutputStream b, int flags, int bits, long value) {
    int max = (1 << bits) - 1;
    if (value < max) {
      b.write(flags | (int) value);
      return;
    }
    b.write(flags | max);
    value -= max;
    while (value >= 128) {
      b.write((int) (value % 128 + 128));
      value /= 128;
    }
    b.write((int) value);
  }

  /** A QUIC variable-length integer (RFC 9000 section 16). */
  static void varint(ByteArrayOutputStream b, long v) {
    if (v < 64) {
      b.write((int) v);
    } else if (v < 16384) {
      b.write((int) (0x40 | v >> 8));
      b.write((int) v);
    } else if (v < 1L << 30) {
      b.write((int) (0x80 | v >> 24));
      b.write((int) (v >> 16));
      b.write((int) (v >> 8));
      b.write((int) v);
    } else {
      for (int shift = 56; shift >= 0; shift -= 8) b.write((int) (shift == 56 ? 0xC0 | v >> 56 : v >> shift));
    }
  }
}
