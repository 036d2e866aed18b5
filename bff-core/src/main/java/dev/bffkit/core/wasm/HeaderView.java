package dev.bffkit.core.wasm;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A header map as a filter sees it: the request's headers with the pseudo-headers {@code :method :path :authority
 * :scheme} (read-only), the response's with {@code :status} (writable: it sets the status), or trailers. Names and
 * values a filter writes must be valid HTTP fields (RFC 9110 §5.1 token names; §5.5 values without CR, LF or NUL):
 * a filter cannot split a header or smuggle a second request.
 */
abstract class HeaderView {
  /** Reads and writes one MultiMap, without pseudo-headers (trailers, tests). */
  static HeaderView of(MultiMap headers) {
    return new Plain(headers, false);
  }

  static HeaderView readOnly(MultiMap headers) {
    return new Plain(headers, true);
  }

  static HeaderView request(HttpServerRequest req) {
    return new Request(req);
  }

  static HeaderView response(HttpServerResponse resp) {
    return new Response(resp);
  }

  abstract MultiMap headers();

  /** The pseudo-headers first, then the fields. */
  void forEach(BiConsumer<String, String> each) {
    pseudo(each);
    for (Map.Entry<String, String> e : headers()) each.accept(e.getKey(), e.getValue());
  }

  void pseudo(BiConsumer<String, String> each) {}

  /**
   * The pairs {@link #forEach} gives, counted without making their values (the callbacks' header count), and without
   * an iterator: Vert.x's header iterator makes an entry object per header (issue 18's allocation profile).
   */
  int size() {
    Count count = new Count();
    headers().forEach(count);
    contentLength = count.contentLength;
    contentLengthKnown = true;
    return pseudoCount() + count.n;
  }

  /** Counts the fields, and notes content-length on the way (its name is the only one of 14 chars compared). */
  private static final class Count implements BiConsumer<String, String> {
    int n;
    String contentLength;

    @Override
    public void accept(String name, String value) {
      n++;
      if (contentLength == null && isContentLength(name)) contentLength = value;
    }
  }

  /**
   * content-length as the last {@link #size} saw it when no filter has written that field through this view since,
   * else looked up: the answer's head needs it once, and a lookup in the answer's fields was up to 0.2 µs of a header
   * filter's cost per request (issue 18's profile of the load test's BFF).
   */
  String contentLength() {
    return contentLengthKnown ? contentLength : headers().get(HttpHeaders.CONTENT_LENGTH);
  }

  private String contentLength;
  private boolean contentLengthKnown;

  private static boolean isContentLength(String name) {
    return name.length() == 14 && name.equalsIgnoreCase("content-length");
  }

  int pseudoCount() {
    return 0;
  }

  String pseudo(String name) {
    return null;
  }

  /** False when the pseudo-header cannot be written here. */
  boolean setPseudo(String name, String value) {
    return false;
  }

  boolean writable() {
    return true;
  }

  String get(String name) {
    return name.startsWith(":") ? pseudo(name) : headers().get(name);
  }

  boolean put(String name, String value, boolean replace) {
    if (!writable() || !validValue(value)) return false;
    if (name.startsWith(":")) return setPseudo(name, value);
    if (!validName(name)) return false;
    if (isContentLength(name)) contentLengthKnown = false;
    if (replace) headers().set(name, value);
    else headers().add(name, value);
    return true;
  }

  void remove(String name) {
    if (!writable() || name.startsWith(":")) return;
    if (isContentLength(name)) contentLengthKnown = false;
    headers().remove(name);
  }

  /** The map becomes {@code pairs} (pseudo-headers in it set what they may; the others are ignored). */
  boolean replaceAll(MultiMap pairs) {
    if (!writable()) return false;
    for (Map.Entry<String, String> e : pairs) {
      if (!validValue(e.getValue()) || (!e.getKey().startsWith(":") && !validName(e.getKey()))) return false;
    }
    contentLengthKnown = false;
    headers().clear();
    for (Map.Entry<String, String> e : pairs) {
      if (e.getKey().startsWith(":")) setPseudo(e.getKey(), e.getValue());
      else headers().add(e.getKey(), e.getValue());
    }
    return true;
  }

  /** ASCII only, as HTTP/2 and Vert.x's case-insensitive maps fold names (toLowerCase would change 'İ' to two chars). */
  static String lower(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        char[] out = name.toCharArray();
        for (int j = i; j < out.length; j++) if (out[j] >= 'A' && out[j] <= 'Z') out[j] += 32;
        return new String(out);
      }
    }
    return name;
  }

  /** RFC 9110 §5.6.2: tchar, by ASCII code. */
  private static final boolean[] TCHAR = new boolean[128];

  static {
    for (char c = '0'; c <= '9'; c++) TCHAR[c] = true;
    for (char c = 'a'; c <= 'z'; c++) TCHAR[c] = true;
    for (char c = 'A'; c <= 'Z'; c++) TCHAR[c] = true;
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) TCHAR[c] = true;
  }

  /** RFC 9110 §5.1: a field name is a token. */
  static boolean validName(String name) {
    if (name.isEmpty()) return false;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c >= 128 || !TCHAR[c]) return false;
    }
    return true;
  }

  /** RFC 9110 §5.5: no CR, LF or NUL in a field value (obs-text is let through, as Vert.x does). */
  static boolean validValue(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\r' || c == '\n' || c == 0 || c > 0xff) return false;
    }
    return true;
  }

  private static final class Plain extends HeaderView {
    private final MultiMap headers;
    private final boolean readOnly;

    Plain(MultiMap headers, boolean readOnly) {
      this.headers = headers;
      this.readOnly = readOnly;
    }

    @Override
    MultiMap headers() {
      return headers;
    }

    @Override
    boolean writable() {
      return !readOnly;
    }
  }

  private static final class Request extends HeaderView {
    private final HttpServerRequest req;

    Request(HttpServerRequest req) {
      this.req = req;
    }

    @Override
    MultiMap headers() {
      return req.headers();
    }

    @Override
    void pseudo(BiConsumer<String, String> each) {
      each.accept(":method", req.method().name());
      each.accept(":path", req.uri());
      String authority = authority();
      if (authority != null) each.accept(":authority", authority);
      each.accept(":scheme", req.scheme() == null ? "http" : req.scheme());
    }

    private String authority() {
      if (req.authority() != null) return req.authority().toString();
      return req.getHeader("host");
    }

    @Override
    int pseudoCount() {
      // the Host header first (a constant name: its hash is kept): Vert.x parses the authority anew on each call
      return req.headers().contains(HttpHeaders.HOST) || req.authority() != null ? 4 : 3;
    }

    @Override
    String pseudo(String name) {
      return switch (name) {
        case ":method" -> req.method().name();
        case ":path" -> req.uri();
        case ":authority" -> authority();
        case ":scheme" -> req.scheme() == null ? "http" : req.scheme();
        default -> null;
      };
    }
  }

  private static final class Response extends HeaderView {
    private final HttpServerResponse resp;

    Response(HttpServerResponse resp) {
      this.resp = resp;
    }

    @Override
    MultiMap headers() {
      return resp.headers();
    }

    @Override
    boolean writable() {
      return !resp.headWritten();
    }

    @Override
    void pseudo(BiConsumer<String, String> each) {
      each.accept(":status", Integer.toString(resp.getStatusCode()));
    }

    @Override
    int pseudoCount() {
      return 1;
    }

    @Override
    String pseudo(String name) {
      return name.equals(":status") ? Integer.toString(resp.getStatusCode()) : null;
    }

    @Override
    boolean setPseudo(String name, String value) {
      if (!name.equals(":status")) return false;
      try {
        int status = Integer.parseInt(value);
        if (status < 100 || status > 599) return false;
        resp.setStatusCode(status);
        return true;
      } catch (NumberFormatException e) {
        return false;
      }
    }
  }
}
