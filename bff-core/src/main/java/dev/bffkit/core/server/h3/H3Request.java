package dev.bffkit.core.server.h3;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpFrame;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.StreamPriority;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.NetSocket;
import io.netty.handler.codec.DecoderResult;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An HTTP/3 request stream as Vert.x's {@link HttpServerRequest}, so the one pipeline serves it as it serves HTTP/1.1
 * and h2. Lives on the listener's event loop. The body flows with demand: while the pipeline has paused the request,
 * the stream stops reading, QUIC stops granting the client flow-control credit, and the client stops sending.
 *
 * <p>{@link #version()} answers {@link HttpVersion#HTTP_2}: Vert.x 5.0 has no HTTP/3 constant, and every rule the
 * pipeline keys on it is a multiplexed-stream rule that holds for HTTP/3 too (a refusal resets the stream, never the
 * connection; connection-specific fields are malformed, RFC 9114 section 4.2). {@link #isHttp3} tells them apart.
 */
final class H3Request implements HttpServerRequest {
  private final QuicStreamChannel stream;
  private final ContextInternal context;
  private final H3Connection connection;
  private final H3Response response;
  private final HttpMethod method;
  private final String uri;
  private final String path;
  private final String query;
  private final HostAndPort authority;
  private final MultiMap headers;
  private MultiMap params;
  private Charset paramsCharset = StandardCharsets.UTF_8;

  private final ArrayDeque<Buffer> pending = new ArrayDeque<>(4);
  private long demand = Long.MAX_VALUE;
  private boolean inputEnded;
  private boolean ended;
  private long bytesRead;
  private Handler<Buffer> dataHandler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private PromiseInternal<Buffer> body;
  private Buffer bodyBuf;

  H3Request(QuicStreamChannel stream, ContextInternal context, H3Connection connection, HttpMethod method, String uri,
      HostAndPort authority, MultiMap headers, H3Response response) {
    this.stream = stream;
    this.context = context;
    this.connection = connection;
    this.method = method;
    this.uri = uri;
    int q = uri.indexOf('?');
    this.path = q < 0 ? uri : uri.substring(0, q);
    this.query = q < 0 ? null : uri.substring(q + 1);
    this.authority = authority;
    this.headers = headers;
    this.response = response;
  }

  /** True for every request of this listener: the rare rule that must tell HTTP/3 from h2 asks here. */
  static boolean isHttp3(HttpServerRequest r) {
    return r instanceof H3Request;
  }

  // ---- events from the stream (on the loop, the context current)

  void onData(Buffer chunk) {
    bytesRead += chunk.length();
    if (body != null) bodyBuf.appendBuffer(chunk);
    if (demand > 0 && pending.isEmpty()) {
      deliver(chunk);
    } else {
      pending.add(chunk);
      stream.config().setAutoRead(false);
    }
  }

  /** Whether the client's FIN came (the request stream's receiving side ended). */
  boolean inputEnded() {
    return inputEnded;
  }

  void onInputEnd() {
    inputEnded = true;
    drain();
  }

  /** The client reset the stream or the connection went away before the body ended. */
  void onFailure(Throwable cause) {
    if (ended) return;
    ended = true;
    pending.clear();
    if (body != null) body.tryFail(cause);
    Handler<Throwable> h = exceptionHandler;
    if (h != null) h.handle(cause);
  }

  private void deliver(Buffer chunk) {
    if (demand != Long.MAX_VALUE) demand--;
    Handler<Buffer> h = dataHandler;
    if (h != null) h.handle(chunk);
  }

  private void drain() {
    while (demand > 0 && !pending.isEmpty()) deliver(pending.poll());
    if (pending.isEmpty() && demand > 0) {
      if (inputEnded) {
        finish();
      } else if (!stream.config().isAutoRead()) {
        stream.config().setAutoRead(true);
        stream.read();
      }
    }
  }

  private void finish() {
    if (ended) return;
    ended = true;
    if (body != null) body.tryComplete(bodyBuf);
    Handler<Void> h = endHandler;
    if (h != null) h.handle(null);
  }

  // ---- ReadStream

  @Override
  public HttpServerRequest exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  @Override
  public HttpServerRequest handler(Handler<Buffer> handler) {
    this.dataHandler = handler;
    return this;
  }

  @Override
  public HttpServerRequest pause() {
    demand = 0;
    return this;
  }

  @Override
  public HttpServerRequest resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public HttpServerRequest fetch(long amount) {
    if (amount <= 0) return this;
    demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
    // Delivered on the loop after this call returns, as Vert.x does: a caller may fetch from inside a handler.
    if (!pending.isEmpty() || inputEnded || !stream.config().isAutoRead()) context.runOnContext(v -> drain());
    return this;
  }

  @Override
  public HttpServerRequest endHandler(Handler<Void> handler) {
    this.endHandler = handler;
    return this;
  }

  // ---- the head

  @Override
  public HttpVersion version() {
    return HttpVersion.HTTP_2;
  }

  @Override
  public HttpMethod method() {
    return method;
  }

  @Override
  public String scheme() {
    return "https";
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String query() {
    return query;
  }

  @Override
  public HostAndPort authority() {
    return authority;
  }

  @Override
  public HostAndPort authority(boolean real) {
    return authority;
  }

  @Override
  public long bytesRead() {
    return bytesRead;
  }

  @Override
  public HttpServerResponse response() {
    return response;
  }

  @Override
  public MultiMap headers() {
    return headers;
  }

  @Override
  public HttpServerRequest setParamsCharset(String charset) {
    Charset c = Charset.forName(charset);
    if (!c.equals(paramsCharset)) {
      paramsCharset = c;
      params = null;
    }
    return this;
  }

  @Override
  public String getParamsCharset() {
    return paramsCharset.name();
  }

  @Override
  public MultiMap params(boolean semicolonIsNormalChar) {
    if (params == null) {
      MultiMap m = MultiMap.caseInsensitiveMultiMap();
      if (query != null) {
        QueryStringDecoder d = new QueryStringDecoder(query, paramsCharset, false, 1024, semicolonIsNormalChar);
        for (Map.Entry<String, List<String>> e : d.parameters().entrySet()) m.add(e.getKey(), e.getValue());
      }
      params = m;
    }
    return params;
  }

  @Override
  public String absoluteURI() {
    return "https://" + (authority == null ? "" : authority.toString()) + uri;
  }

  @Override
  public Future<Buffer> body() {
    if (body == null) {
      body = context.promise();
      bodyBuf = Buffer.buffer();
      if (ended) body.tryComplete(bodyBuf);
    }
    return body.future();
  }

  @Override
  public Future<Void> end() {
    return body().mapEmpty();
  }

  @Override
  public Future<NetSocket> toNetSocket() {
    return context.failedFuture("no CONNECT tunnels over HTTP/3");
  }

  @Override
  public HttpServerRequest setExpectMultipart(boolean expect) {
    if (expect) throw new UnsupportedOperationException("multipart forms are not decoded by the gateway");
    return this;
  }

  @Override
  public boolean isExpectMultipart() {
    return false;
  }

  @Override
  public HttpServerRequest uploadHandler(Handler<HttpServerFileUpload> uploadHandler) {
    return this;
  }

  @Override
  public MultiMap formAttributes() {
    return MultiMap.caseInsensitiveMultiMap();
  }

  @Override
  public String getFormAttribute(String attributeName) {
    return null;
  }

  @Override
  public Future<ServerWebSocket> toWebSocket() {
    return context.failedFuture("no WebSocket over HTTP/3 (RFC 9220 is not offered)");
  }

  @Override
  public boolean isEnded() {
    return ended;
  }

  @Override
  public HttpServerRequest customFrameHandler(Handler<HttpFrame> handler) {
    return this;
  }

  @Override
  public HttpConnection connection() {
    return connection;
  }

  @Override
  public HttpServerRequest streamPriorityHandler(Handler<StreamPriority> handler) {
    return this;
  }

  @Override
  public DecoderResult decoderResult() {
    return DecoderResult.SUCCESS;
  }

  @Override
  public Cookie getCookie(String name) {
    for (Cookie c : cookies()) if (c.getName().equals(name)) return c;
    return null;
  }

  @Override
  public Cookie getCookie(String name, String domain, String path) {
    return getCookie(name);
  }

  @Override
  public Set<Cookie> cookies(String name) {
    Set<Cookie> out = new HashSet<>();
    for (Cookie c : cookies()) if (c.getName().equals(name)) out.add(c);
    return out;
  }

  @Override
  public Set<Cookie> cookies() {
    Set<Cookie> out = new HashSet<>();
    for (String h : headers.getAll("cookie")) {
      for (var c : ServerCookieDecoder.LAX.decode(h)) {
        out.add(Cookie.cookie(c.name(), c.value()));
      }
    }
    return out;
  }
}
