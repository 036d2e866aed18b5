package dev.bffkit.core.security;

import dev.bffkit.core.config.Cidr;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.util.List;

/**
 * The client's address: the peer's, unless the peer is a trusted proxy; then the right-most
 * {@code X-Forwarded-For} entry that is not a trusted proxy (entries left of it are the client's
 * own claims and cannot be trusted).
 */
public final class ClientAddress {
  private final Cidr[] trusted;

  public ClientAddress(List<String> trustedProxies) {
    this.trusted = trustedProxies.stream().map(Cidr::parse).toArray(Cidr[]::new);
  }

  /** The client address bytes, or null when unknown (e.g. a Unix socket). */
  public byte[] of(HttpServerRequest req) {
    SocketAddress peer = req.remoteAddress();
    byte[] addr = peer == null || peer.hostAddress() == null ? null : Cidr.literal(peer.hostAddress());
    if (addr == null || trusted.length == 0 || !isTrusted(addr)) return addr;
    List<String> all = req.headers().getAll("x-forwarded-for");
    for (int h = all.size() - 1; h >= 0; h--) {
      String[] hops = all.get(h).split(",");
      for (int i = hops.length - 1; i >= 0; i--) {
        byte[] hop = Cidr.literal(stripPort(hops[i].trim()));
        if (hop == null) return addr; // garbage: stop at the last address we could trust
        if (!isTrusted(hop)) return hop;
        addr = hop;
      }
    }
    return addr;
  }

  private boolean isTrusted(byte[] a) {
    for (Cidr c : trusted) if (c.contains(a)) return true;
    return false;
  }

  /** {@code 1.2.3.4:5678} → {@code 1.2.3.4}; {@code [::1]:80} → {@code ::1}; IPv6 without brackets unchanged. */
  static String stripPort(String s) {
    if (s.startsWith("[")) {
      int end = s.indexOf(']');
      return end > 0 ? s.substring(1, end) : s;
    }
    int colon = s.indexOf(':');
    return colon > 0 && colon == s.lastIndexOf(':') ? s.substring(0, colon) : s;
  }
}
