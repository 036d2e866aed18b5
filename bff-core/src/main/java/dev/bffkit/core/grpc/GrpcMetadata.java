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
 * copies). Names a gRPC server would refuse (outside {@code [0-9a-z_.-]}) and values outside
 * printable ASCII are skipped; a {@code -bin} value is sent as base64, as the gRPC spec wants,
 * encoding the header's bytes when the client did not. One set lookup per header, no regex.
 */
final class GrpcMetadata {
  private static final Set<String> REQUEST_EXCLUDED = Set.of(
      "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade",
      "http2-settings", "proxy-authenticate", "proxy-authorization",
      "host", "content-type", "content-length", "content-encoding", "accept-encoding", "expect",
      "x-grpc-web", "x-user-agent", "x-accept-content-transfer-encoding", "x-accept-response-streaming",
      "x-request-id", "x-request-timeout-ms");

  /** Response headers and trailers the gRPC-Web response sets itself (status, framing). */
  private static final Set<String> RESPONSE_EXCLUDED = Set.of(
      "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade",
      "content-type", "content-length", "content-encoding", "grpc-status", "grpc-message", "grpc-encoding",
      "grpc-accept-encoding");

  private GrpcMetadata() {}

  /** The metadata for a call made on behalf of a request with these headers and identity headers (or null). */
  static MultiMap fromRequest(MultiMap headers, MultiMap identity) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    String connection = headers.get("connection");
    Set<String> alsoDrop = connection == null ? Set.of() : tokens(connection);
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey().toLowerCase(Locale.ROOT); // the same string when already lower case (h2)
      if (REQUEST_EXCLUDED.contains(name) || name.startsWith("grpc-") || alsoDrop.contains(name)) continue;
      String value = value(name, h.getValue());
      if (value != null) out.add(name, value);
    }
    if (identity != null) {
      for (Map.Entry<String, String> h : identity) {
        String name = h.getKey().toLowerCase(Locale.ROOT);
        String value = value(name, h.getValue());
        if (value != null) out.set(name, value);
      }
    }
    return out;
  }

  /** Copies a gRPC response's headers or trailers to the bridge's response, minus what it sets itself. */
  static void copyResponse(MultiMap from, MultiMap to) {
    if (from == null) return;
    for (Map.Entry<String, String> h : from) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (!RESPONSE_EXCLUDED.contains(name) && validName(name)) to.add(name, h.getValue());
    }
  }

  /** The value to send, or null to skip the header. */
  private static String value(String name, String value) {
    if (!validName(name)) return null;
    if (name.endsWith("-bin")) {
      return base64(value) ? value : Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.ISO_8859_1));
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) return null;
    }
    return value;
  }

  /** gRPC metadata keys: {@code [0-9a-z_.-]}, not starting with ':' (pseudo-headers). */
  private static boolean validName(String name) {
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
