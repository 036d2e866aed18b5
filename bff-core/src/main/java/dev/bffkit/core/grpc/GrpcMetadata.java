package dev.bffkit.core.grpc;

import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Headers ↔ gRPC metadata at the HTTP bridges, as Envoy's grpc_json_transcoder and grpc-web
 * filters do: every request header travels as metadata except the hop-by-hop ones (RFC 9110
 * §7.6.1, and those named in {@code Connection}), pseudo-headers, the framing the gRPC call sets
 * itself (host, content-type, content-length, te, accept-encoding, {@code grpc-*}), gRPC-Web's
 * own headers and the gateway's ({@code x-request-id}, sent from the exchange, and the HTTP
 * deadline header, replaced by {@code grpc-timeout}). The identity headers of
 * {@code auth.claimsToHeaders} come from the auth stage (which already dropped the client's
 * copies). Names a gRPC server would refuse (outside {@code [0-9a-z_.-]}) and values with bytes
 * above 0x7E (legal HTTP obs-text, not representable as gRPC ASCII metadata) are skipped; a value
 * with a control character (NUL, CR, LF, HTAB...) refuses the request with INVALID_ARGUMENT
 * before any call ({@link GrpcFault.Refused}): gRPC PROTOCOL-HTTP2.md allows only
 * {@code ASCII-Value → 1*( %x20-%x7E )}, and such a value would otherwise fail inside the HTTP/2
 * client after the call was admitted (a timeout counted against the service). A {@code -bin}
 * value is sent as base64, as the gRPC spec wants, encoding the header's bytes when the client
 * did not. One set lookup per header, no regex.
 */
public final class GrpcMetadata {
  private static final Set<String> REQUEST_EXCLUDED = Set.of(
      "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade",
      "http2-settings", "proxy-authenticate", "proxy-authorization",
      "host", "content-type", "content-length", "content-encoding", "accept-encoding", "expect",
      "x-grpc-web", "x-user-agent", "x-accept-content-transfer-encoding", "x-accept-response-streaming",
      "x-request-id", "x-request-timeout-ms");

  /**
   * Response headers and trailers the bridge's response sets itself (status, framing, and the
   * gateway's {@code x-request-id}: a service that echoes the one it was sent must not make it two).
   */
  private static final Set<String> RESPONSE_EXCLUDED = Set.of(
      "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade",
      "content-type", "content-length", "content-encoding", "grpc-status", "grpc-message", "grpc-encoding",
      "grpc-accept-encoding", "x-request-id");

  /**
   * Keys a configured metadata entry may not use: {@code grpc-*} is reserved by the gRPC spec
   * (PROTOCOL-HTTP2.md, "Custom-Metadata"), and the HTTP/2 framing and connection-specific fields
   * (RFC 9113 §8.2.2) are the transport's.
   */
  private static final Set<String> RESERVED = Set.of(
      "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade", "host",
      "content-type", "content-length", "user-agent");

  private GrpcMetadata() {}

  /**
   * The metadata for a call made on behalf of a request with these headers and identity headers (or null).
   *
   * @throws GrpcFault.Refused INVALID_ARGUMENT when a forwarded value holds a control character
   */
  static MultiMap fromRequest(MultiMap headers, MultiMap identity) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    String connection = headers.get("connection");
    Set<String> alsoDrop = connection == null ? Set.of() : tokens(connection);
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey().toLowerCase(Locale.ROOT); // the same string when already lower case (h2)
      if (REQUEST_EXCLUDED.contains(name) || name.startsWith("grpc-") || alsoDrop.contains(name)) continue;
      String value = value(name, h.getValue(), "request header ");
      if (value != null) out.add(name, value);
    }
    if (identity != null) {
      for (Map.Entry<String, String> h : identity) {
        String name = h.getKey().toLowerCase(Locale.ROOT);
        String value = value(name, h.getValue(), "identity header ");
        if (value != null) out.set(name, value);
      }
    }
    return out;
  }

  /**
   * Copies a gRPC response's headers or trailers to the bridge's response, minus what it sets
   * itself; a value outside printable ASCII is dropped (it could end a line of the gRPC-Web
   * trailer frame, which is an HTTP/1 header block).
   */
  static void copyResponse(MultiMap from, MultiMap to) {
    if (from == null) return;
    for (Map.Entry<String, String> h : from) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (!RESPONSE_EXCLUDED.contains(name) && validName(name) && printable(h.getValue())) to.add(name, h.getValue());
    }
  }

  /**
   * Adds one configured or templated entry ({@code @grpc(metadata:)}, identity headers) to
   * {@code out}: the key must be valid and not reserved, a {@code -bin} value is sent as base64,
   * any other value must be printable ASCII.
   *
   * @throws GrpcFault.Refused INVALID_ARGUMENT otherwise (the key is named, never the value)
   */
  public static void add(MultiMap out, String key, String value) {
    String name = key.toLowerCase(Locale.ROOT);
    if (!validName(name) || reserved(name)) {
      throw new GrpcFault.Refused(new GrpcFault(GrpcFault.INVALID_ARGUMENT, "metadata key '" + name + "' is not allowed"));
    }
    if (name.endsWith("-bin")) {
      out.add(name, value(name, value, ""));
      return;
    }
    if (!printable(value)) {
      throw new GrpcFault.Refused(new GrpcFault(GrpcFault.INVALID_ARGUMENT,
          "metadata " + name + " holds a character outside printable ASCII"));
    }
    out.add(name, value);
  }

  /** A key a configured metadata entry may not use ({@code grpc-*}, HTTP/2 framing fields). */
  public static boolean reserved(String name) {
    return name.startsWith("grpc-") || RESERVED.contains(name);
  }

  /**
   * The value to send, or null to skip the header (a name gRPC cannot carry, or obs-text).
   *
   * @throws GrpcFault.Refused INVALID_ARGUMENT for a control character in a non-binary value
   */
  private static String value(String name, String value, String what) {
    if (!validName(name)) return null;
    if (name.endsWith("-bin")) {
      return base64(value) ? value : Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.ISO_8859_1));
    }
    boolean skip = false;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      // PROTOCOL-HTTP2.md: ASCII-Value → 1*( %x20-%x7E ); RFC 9110 §5.5: CR, LF and NUL are invalid in any field value
      if (c < 0x20 || c == 0x7f) {
        throw new GrpcFault.Refused(new GrpcFault(GrpcFault.INVALID_ARGUMENT, what + name + " holds a control character"));
      }
      if (c > 0x7e) skip = true;
    }
    return skip ? null : value;
  }

  /** Only {@code %x20-%x7E}, as a gRPC ASCII value must be. */
  static boolean printable(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) return false;
    }
    return true;
  }

  /** gRPC metadata keys: {@code [0-9a-z_.-]}, not starting with ':' (pseudo-headers). */
  public static boolean validName(String name) {
    if (name.isEmpty()) return false;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) return false;
    }
    return true;
  }

  /** Standard base64, padded or not (both are valid gRPC binary header values). */
  static boolean base64(String v) {
    int n = v.length();
    while (n > 0 && v.charAt(n - 1) == '=' && v.length() - n < 2) n--;
    if (n % 4 == 1 || (n < v.length() && v.length() % 4 != 0)) return false;
    for (int i = 0; i < n; i++) {
      char c = v.charAt(i);
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/')) {
        return false;
      }
    }
    return true;
  }

  private static Set<String> tokens(String value) {
    Set<String> out = new HashSet<>();
    for (String t : value.split(",")) out.add(t.trim().toLowerCase(Locale.ROOT));
    return out;
  }
}
