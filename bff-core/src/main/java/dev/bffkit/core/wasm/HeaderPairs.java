package dev.bffkit.core.wasm;

import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The ABI's serialised header map (spec, "Serialization"): a little-endian count, then each pair's key and value
 * lengths, then the keys and values each followed by NUL. Names go out in lower case, as HTTP/2 carries them.
 */
final class HeaderPairs {
  /** More pairs than any request may carry (the head is bounded by server.maxHeaderBytes anyway). */
  private static final int MAX_PAIRS = 1024;

  private HeaderPairs() {}

  static byte[] serialize(HeaderView map) {
    List<byte[]> parts = new ArrayList<>(32);
    map.forEach((k, v) -> {
      parts.add(HeaderView.lower(k).getBytes(StandardCharsets.UTF_8));
      parts.add(v.getBytes(StandardCharsets.UTF_8));
    });
    int n = parts.size() / 2;
    int size = 4 + n * 8;
    for (byte[] p : parts) size += p.length + 1;
    byte[] out = new byte[size];
    int at = le(out, 0, n);
    for (byte[] p : parts) at = le(out, at, p.length);
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length + 1; // NUL
    }
    return out;
  }

  private static int le(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
    b[at + 2] = (byte) (v >>> 16);
    b[at + 3] = (byte) (v >>> 24);
    return at + 4;
  }

  private static int le(byte[] b, int at) {
    return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
  }

  /** The pairs, or null when the bytes are not a well-formed map. */
  static MultiMap parse(byte[] b) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    if (b.length == 0 || (b.length == 1 && b[0] == 0)) return out;
    if (b.length < 4) return null;
    int n = le(b, 0);
    if (n < 0 || n > MAX_PAIRS || 4L + n * 8L > b.length) return null;
    int at = 4 + n * 8;
    for (int i = 0; i < n; i++) {
      int kl = le(b, 4 + i * 8);
      int vl = le(b, 8 + i * 8);
      if (kl < 0 || vl < 0 || (long) at + kl + 1 + vl + 1 > b.length) return null;
      String k = new String(b, at, kl, StandardCharsets.UTF_8);
      at += kl + 1;
      String v = new String(b, at, vl, StandardCharsets.UTF_8);
      at += vl + 1;
      out.add(k, v);
    }
    return out;
  }

  /** For tests: pairs serialised in order. */
  static byte[] of(String... kv) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < kv.length; i += 2) m.add(kv[i], kv[i + 1]);
    return serialize(HeaderView.of(m));
  }
}
