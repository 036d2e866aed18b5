package dev.bffkit.core.wasm;

import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.security.Principal;
import dev.bffkit.core.server.h3.Http3Listener;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.Json;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * {@code proxy_get_property}: the request's attributes under Envoy's names (the spec's well-known properties), and
 * the BFF's own: {@code principal.subject} and {@code principal.claims.<name>} (a string claim as is, others as
 * JSON) of the verified caller. Integers are 8 bytes little-endian, as Envoy gives them. A path's segments are
 * separated by NUL (what the SDKs send) or dots. Properties a filter set itself ({@code proxy_set_property}) are
 * read back first; they live as long as the request and are seen by the route's other filters.
 */
final class FilterProperties {
  private FilterProperties() {}

  static String normalise(String path) {
    String p = path.indexOf('\0') >= 0 ? path.replace('\0', '.') : path;
    while (p.endsWith(".")) p = p.substring(0, p.length() - 1);
    return p;
  }

  static byte[] get(String rawPath, FilterCall call, FilterModule module) {
    String path = normalise(rawPath);
    switch (path) {
      case "plugin_name":
        return utf8(module.name());
      case "plugin_root_id", "plugin_vm_id":
        return new byte[0];
      default:
        break;
    }
    if (call == null) return null;
    byte[] own = call.run.property(path);
    if (own != null) return own;
    Exchange ex = call.run.exchange();
    HttpServerRequest req = ex.request();
    switch (path) {
      case "request.path":
        return utf8(req.uri());
      case "request.url_path":
        return utf8(req.path());
      case "request.method":
        return utf8(req.method().name());
      case "request.host": {
        String host = req.authority() != null ? req.authority().toString() : req.getHeader("host");
        return host == null ? null : utf8(host);
      }
      case "request.scheme":
        return utf8(req.scheme() == null ? "http" : req.scheme());
      case "request.protocol":
        return utf8(Http3Listener.isHttp3(req) ? "HTTP/3" : switch (req.version()) {
          case HTTP_1_0 -> "HTTP/1.0";
          case HTTP_1_1 -> "HTTP/1.1";
          default -> "HTTP/2";
        });
      case "request.id":
        return utf8(ex.requestId());
      case "source.address":
        return address(req.remoteAddress());
      case "source.port":
        return req.remoteAddress() == null ? null : int64(req.remoteAddress().port());
      case "destination.address":
        return address(req.localAddress());
      case "destination.port":
        return req.localAddress() == null ? null : int64(req.localAddress().port());
      case "route_name":
        return ex.route() == null ? null : utf8(ex.route().name());
      case "response.code":
        return call.run.inResponse() ? int64(ex.response().getStatusCode()) : null;
      case "principal.subject": {
        Principal p = ex.principal();
        return p == null || p.subject() == null ? null : utf8(p.subject());
      }
      default:
        break;
    }
    if (path.startsWith("principal.claims.")) {
      Principal p = ex.principal();
      if (p == null) return null;
      Object v = p.claims().get(path.substring("principal.claims.".length()));
      if (v == null) return null;
      return utf8(v instanceof String s ? s : Json.encode(v));
    }
    return null;
  }

  private static byte[] address(SocketAddress a) {
    if (a == null) return null;
    return utf8(a.hostAddress() + ":" + a.port());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] int64(long v) {
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) b[i] = (byte) (v >>> (8 * i));
    return b;
  }
}
