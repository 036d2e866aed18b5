package dev.bffkit.core.server.h3;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.GoAway;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.net.SocketAddress;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * One QUIC connection as the pipeline sees connections (Vert.x's {@link HttpConnection}): its addresses, its TLS
 * session, close and graceful shutdown. HTTP/2's settings, pings and GOAWAY frames have no HTTP/3 meaning here and
 * are refused.
 */
final class H3Connection implements HttpConnection {
  private final QuicChannel channel;
  private final ContextInternal context;
  private Handler<Void> closeHandler;
  private Handler<Void> shutdownHandler;
  private boolean closed;
  /** The highest request stream id seen; a GOAWAY names the next one (RFC 9114 section 5.2). */
  private long lastStreamId = -4;
  private int openStreams;
  private Runnable whenIdle;

  H3Connection(QuicChannel channel, ContextInternal context) {
    this.channel = channel;
    this.context = context;
  }

  /** A request stream opened; counted until it closes, so a drain closes the connection once none is left. */
  void streamActive(QuicStreamChannel stream) {
    openStreams++;
    stream.closeFuture().addListener(f -> {
      if (--openStreams == 0 && whenIdle != null) {
        Runnable r = whenIdle;
        whenIdle = null;
        r.run();
      }
    });
  }

  /** Runs {@code r} once no request stream is open (now, if none is). */
  void whenIdle(Runnable r) {
    if (openStreams == 0) r.run();
    else whenIdle = r;
  }

  void streamOpened(long id) {
    if (id > lastStreamId) lastStreamId = id;
  }

  /** The first request stream id this connection will not serve. */
  long goAwayId() {
    return lastStreamId + 4;
  }

  QuicChannel channel() {
    return channel;
  }

  /** The QUIC connection has closed (idle timeout, peer's CONNECTION_CLOSE or ours); runs the close handler once. */
  void closed() {
    if (closed) return;
    closed = true;
    Handler<Void> h = closeHandler;
    if (h != null) context.dispatch(h);
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public HttpConnection goAway(long errorCode, int lastStreamId, Buffer debugData) {
    throw new UnsupportedOperationException("HTTP/3 GOAWAY is sent by shutdown()");
  }

  @Override
  public HttpConnection goAwayHandler(Handler<GoAway> handler) {
    return this;
  }

  @Override
  public HttpConnection shutdownHandler(Handler<Void> handler) {
    this.shutdownHandler = handler;
    return this;
  }

  /** Closes the connection once its open request streams have ended, or when the timeout passes. */
  @Override
  public Future<Void> shutdown(long timeout, TimeUnit unit) {
    PromiseInternal<Void> p = context.promise();
    if (shutdownHandler != null) context.dispatch(shutdownHandler);
    Http3Listener.drain(this, unit.toMillis(timeout)).onComplete(v -> p.tryComplete());
    return p.future();
  }

  @Override
  public HttpConnection closeHandler(Handler<Void> handler) {
    this.closeHandler = handler;
    // A handler set after the close still runs, or a count kept by it (limits.maxConnections) would never drop.
    if (closed && handler != null) context.dispatch(handler);
    return this;
  }

  @Override
  public Future<Void> close() {
    PromiseInternal<Void> p = context.promise();
    // RFC 9114 section 8.1: H3_NO_ERROR in the application CONNECTION_CLOSE frame.
    channel.close(true, Http3ErrorCode.H3_NO_ERROR.code(), Unpooled.EMPTY_BUFFER).addListener(p);
    return p.future();
  }

  @Override
  public Http2Settings settings() {
    return new Http2Settings();
  }

  @Override
  public Future<Void> updateSettings(Http2Settings settings) {
    return context.failedFuture("HTTP/3 settings are fixed at start-up");
  }

  @Override
  public Http2Settings remoteSettings() {
    return new Http2Settings();
  }

  @Override
  public HttpConnection remoteSettingsHandler(Handler<Http2Settings> handler) {
    return this;
  }

  @Override
  public Future<Buffer> ping(Buffer data) {
    return context.failedFuture("no PING frames in HTTP/3 (QUIC sends its own)");
  }

  @Override
  public HttpConnection pingHandler(Handler<Buffer> handler) {
    return this;
  }

  @Override
  public HttpConnection exceptionHandler(Handler<Throwable> handler) {
    return this;
  }

  @Override
  public SocketAddress remoteAddress() {
    return address(channel.remoteSocketAddress());
  }

  @Override
  public SocketAddress remoteAddress(boolean real) {
    return remoteAddress();
  }

  @Override
  public SocketAddress localAddress() {
    return address(channel.localSocketAddress());
  }

  @Override
  public SocketAddress localAddress(boolean real) {
    return localAddress();
  }

  private static SocketAddress address(Object a) {
    return a instanceof InetSocketAddress in ? SocketAddress.inetSocketAddress(in) : null;
  }

  @Override
  public boolean isSsl() {
    return true;
  }

  @Override
  public SSLSession sslSession() {
    return channel.sslEngine() == null ? null : channel.sslEngine().getSession();
  }

  @Override
  public List<Certificate> peerCertificates() throws SSLPeerUnverifiedException {
    SSLSession s = sslSession();
    if (s == null) throw new SSLPeerUnverifiedException("no TLS session yet");
    return Arrays.asList(s.getPeerCertificates());
  }

  @Override
  public String indicatedServerName() {
    return null;
  }
}
