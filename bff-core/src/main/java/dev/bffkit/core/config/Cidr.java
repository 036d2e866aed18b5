package dev.bffkit.core.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 range ({@code 10.0.0.0/8}, {@code 2001:db8::/32}, or a bare address). Parsing
 * accepts only literal addresses (never a host name: no DNS lookup). An IPv4-mapped IPv6 address
 * matches IPv4 ranges.
 */
public final class Cidr {
  private final byte[] network;
  private final int prefix;

  private Cidr(byte[] network, int prefix) {
    this.network = network;
    this.prefix = prefix;
  }

  public static Cidr parse(String text) {
    String t = text.trim();
    int slash = t.indexOf('/');
    String addr = slash < 0 ? t : t.substring(0, slash);
    byte[] bytes = literal(addr);
    if (bytes == null) throw new IllegalArgumentException("not a literal IP address");
    int bits = bytes.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(t.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad prefix length");
      }
      if (prefix < 0 || prefix > bits) throw new IllegalArgumentException("prefix length must be 0.." + bits);
    }
    byte[] net = Arrays.copyOf(bytes, bytes.length);
    for (int i = 0; i < net.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      net[i] &= (byte) (0xFF << (8 - keep));
    }
    return new Cidr(net, prefix);
  }

  /** The address bytes of a literal IPv4/IPv6 address (IPv4-mapped IPv6 as IPv4), or null. */
  public static byte[] literal(String addr) {
    String a = addr.trim();
    if (a.startsWith("[") && a.endsWith("]")) a = a.substring(1, a.length() - 1);
    int zone = a.indexOf('%');
    if (zone >= 0) a = a.substring(0, zone);
    if (a.isEmpty()) return null;
    boolean v4 = a.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    boolean v6 = a.indexOf(':') >= 0 && a.matches("[0-9A-Fa-f:.]+");
    if (!v4 && !v6) return null; // never resolve names
    try {
      byte[] b = InetAddress.getByName(a).getAddress();
      if (v4) {
        for (String part : a.split("\\.")) if (Integer.parseInt(part) > 255) return null;
      }
      return b;
    } catch (UnknownHostException | NumberFormatException e) {
      return null;
    }
  }

  public boolean contains(byte[] address) {
    if (address == null || address.length != network.length) return false;
    int full = prefix / 8;
    for (int i = 0; i < full; i++) if (address[i] != network[i]) return false;
    int rest = prefix % 8;
    if (rest == 0) return true;
    int mask = (0xFF << (8 - rest)) & 0xFF;
    return (address[full] & mask) == (network[full] & 0xFF);
  }
}
