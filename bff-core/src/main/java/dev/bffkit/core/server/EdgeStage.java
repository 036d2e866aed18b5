package dev.bffkit.core.server;

import dev.bffkit.core.config.AuthConfig;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Stage;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.logging.Logger;

/**
 * The head of the pipeline: what every request must be before any stage reads it. HTTP/1.x
 * framing and Host ({@link RequestFraming}), HTTP/2 fields, the absolute-form request-target, and
 * the headers a client may not send ({@link HeaderTrust}). A framing refusal answers 400 and
 * closes the connection; a request already pipelined behind it on that connection is dropped
 * unanswered, never served (RFC 9112 §6.3: the bytes after a bad head are not a request). One
 * instance per event loop, like the rest of the pipeline, so its state needs no lock.
 */
public final class EdgeStage implements Stage {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.server");
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");

  /** How long a body still arriving after the answer may take before the connection is closed anyway. */
  private static final long LINGER_MS = 2000;

  private final Vertx vertx;
  private final HeaderTrust trust;
  private final boolean chunkedMayHideLength;
  /** HTTP/1.x connections that close after their current response; identity-keyed, weak (no leak). */
  private final Set<HttpConnection> closing = Collections.newSetFromMap(new WeakHashMap<>());

  /**
   * {@code chunkedMayHideLength}: true when a chunked request may have had a Content-Length
   * dropped by Netty (server.h2c on: {@link StrictRequestDecoder} cannot be installed before a
   * cleartext connection's first request); such connections close after the answer.
   */
  public EdgeStage(Vertx vertx, AuthConfig auth, boolean chunkedMayHideLength) {
    this.chunkedMayHideLength = chunkedMayHideLength;
    this.vertx = vertx;
    this.trust = new HeaderTrust(auth.claimsToHeaders().values(), auth.apiKeys() == null ? null : auth.apiKeys().header());
  }

  @Override
  public void handle(Exchange ex, Next next) {
    HttpServerRequest req = ex.request();
    MultiMap headers = req.headers();
    HttpVersion version = req.version();
    if (version == HttpVersion.HTTP_2) {
      String refused = RequestFraming.http2(headers);
      if (refused != null) {
        // RFC 9113 §8.1.1: a malformed request; answered 400, which ends the stream only.
        ex.fail(400, "bad_request", refused);
        return;
      }
    } else {
      HttpConnection conn = req.connection();
      if (!closing.isEmpty() && closing.contains(conn)) {
        // Pipelined behind a request whose framing was refused or uncertain: never a request.
        conn.close();
        return;
      }
      String refused = RequestFraming.http1(version, headers);
      if (refused != null) {
        refuseAndClose(ex, conn, refused);
        return;
      }
      refused = RequestFraming.host(version, headers);
      String uri = req.uri();
      if (refused == null && (uri.isEmpty() || uri.charAt(0) != '/')) refused = absoluteForm(req);
      if (refused != null) {
        ex.fail(400, "bad_request", refused);
        return;
      }
      if (chunkedMayHideLength && version == HttpVersion.HTTP_1_1 && headers.contains(HttpHeaders.TRANSFER_ENCODING)) {
        // Without StrictRequestDecoder (h2c on, first request), Netty drops a Content-Length sent
        // beside "Transfer-Encoding: chunked" and reads the body as chunked, leaving no trace of
        // the length. RFC 9112 §6.1 allows exactly that, provided the connection is closed after
        // the response. We cannot tell the two apart, so a chunked request closes its connection.
        closeAfterResponse(ex, conn);
      }
    }
    String refused = trust.apply(headers);
    if (refused != null) {
      ex.fail(400, "bad_request", refused);
      return;
    }
    next.proceed(ex);
  }

  /**
   * RFC 9112 §3.2.2: with an absolute-form target ({@code GET http://host/path}) the server
   * ignores the Host header and uses the target's authority. Routing already reads only the
   * path ({@code request.path()}); the Host seen by the rest of the pipeline becomes the target's.
   * Only http and https targets; anything else (including {@code *} and authority-form) is
   * refused later by the path check.
   */
  private static String absoluteForm(HttpServerRequest req) {
    String uri = req.uri();
    int scheme = uri.indexOf("://");
    if (scheme < 0) return null; // "*" or authority-form: no path, refused by the router's path check
    String s = uri.substring(0, scheme);
    if (!s.equalsIgnoreCase("http") && !s.equalsIgnoreCase("https")) return "request-target scheme must be http or https";
    int start = scheme + 3;
    int end = start;
    while (end < uri.length() && uri.charAt(end) != '/' && uri.charAt(end) != '?' && uri.charAt(end) != '#') end++;
    String authority = uri.substring(start, end);
    if (authority.isEmpty() || authority.indexOf('@') >= 0 || !RequestFraming.fieldValue(authority) || authority.indexOf(' ') >= 0) {
      return "request-target has no valid authority";
    }
    req.headers().set(HttpHeaders.HOST, authority);
    return null;
  }

  private void refuseAndClose(Exchange ex, HttpConnection conn, String reason) {
    LOG.info("event=bad_framing " + ex.logIds() + " reason=\"" + reason + "\"");
    closing.add(conn);
    // Closed once the answer is written: closing at once could drop it while it is still queued.
    ex.response().setStatusCode(400).putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE)
        .putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
        .end(Exchange.errorBody(400, "bad_framing", reason, ex.requestId()))
        .onComplete(v -> conn.close());
  }

  /**
   * Closes once the answer is written and the body read. A stage that answered before reading
   * the body drains it and closes itself (the proxy's and the body reader's refusals linger for
   * the client to see the answer); the timer only bounds a body nobody reads.
   */
  private void closeAfterResponse(Exchange ex, HttpConnection conn) {
    closing.add(conn);
    HttpServerRequest req = ex.request();
    ex.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    ex.response().bodyEndHandler(v -> {
      if (req.isEnded()) conn.close();
      else vertx.setTimer(LINGER_MS, id -> conn.close());
    });
  }
}
