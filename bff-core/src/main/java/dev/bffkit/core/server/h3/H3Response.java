package dev.bffkit.core.server.h3;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.AsciiString;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.HostAndPort;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.util.Map;
import java.util.Set;

/**
 * The answer on an HTTP/3 request stream as Vert.x's {@link HttpServerResponse}: HEADERS, DATA and trailing HEADERS
 * frames, then the stream's FIN. Backpressure is the stream's: {@link #writeQueueFull} follows QUIC's flow control
 * toward the client. {@link #reset} maps the h2 codes the pipeline uses onto HTTP/3's (RFC 9114 section 8.1).
 */
final class H3Response implements HttpServerResponse {
  private static final Buffer EMPTY = Buffer.buffer(0);

  private final QuicStreamChannel stream;
  private final FinWithLastFrame fin;
  private final ContextInternal context;
  private final boolean head;
  private final MultiMap headers = HttpHeaders.headers();
  private MultiMap trailers;
  private int status = 200;
  private String statusMessage;
  private boolean chunked;
  /** The last frame written; the stream's FIN waits for it. */
  private ChannelFuture lastWrite;
  private boolean headWritten;
  private boolean ended;
  private boolean closed;
  private long bytesWritten;
  private Handler<Throwable> exceptionHandler;
  private Handler<Void> drainHandler;
  private Handler<Void> closeHandler;
  private Handler<Void> endHandler;
  private Handler<Void> headersEndHandler;
  private Handler<Void> bodyEndHandler;
  /** Run when the answer's last frame is written (the stream's own follow-up, not a user's handler). */
  private Runnable whenEnded;

  H3Response(QuicStreamChannel stream, ContextInternal context, HttpMethod method, FinWithLastFrame fin) {
    this.stream = stream;
    this.fin = fin;
    this.context = context;
    this.head = method == HttpMethod.HEAD;
  }

  // ---- events from the stream

  /** The stream closed: after our FIN and the client's, or on a reset or a lost connection before the end. */
  void onClosed() {
    if (closed) return;
    closed = true;
    if (!ended) {
      Handler<Throwable> eh = exceptionHandler;
      if (eh != null) eh.handle(new HttpClosedException("the HTTP/3 stream closed"));
      Handler<Void> ch = closeHandler;
      if (ch != null) ch.handle(null);
      disposed();
    }
  }

  void onWritable() {
    Handler<Void> h = drainHandler;
    if (h != null && stream.isWritable()) h.handle(null);
  }

  private void disposed() {
    Handler<Void> h = endHandler;
    endHandler = null;
    if (h != null) h.handle(null);
  }

  // ---- WriteStream

  @Override
  public HttpServerResponse exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  @Override
  public HttpServerResponse setWriteQueueMaxSize(int maxSize) {
    return this; // the stream's flow-control window bounds what is queued
  }

  @Override
  public boolean writeQueueFull() {
    return !stream.isWritable();
  }

  @Override
  public HttpServerResponse drainHandler(Handler<Void> handler) {
    this.drainHandler = handler;
    return this;
  }

  @Override
  public Future<Void> write(Buffer data) {
    return write(data, false);
  }

  @Override
  public Future<Void> write(String chunk, String enc) {
    return write(Buffer.buffer(chunk, enc), false);
  }

  @Override
  public Future<Void> write(String chunk) {
    return write(Buffer.buffer(chunk), false);
  }

  @Override
  public Future<Void> end(String chunk) {
    return write(Buffer.buffer(chunk), true);
  }

  @Override
  public Future<Void> end(String chunk, String enc) {
    return write(Buffer.buffer(chunk, enc), true);
  }

  @Override
  public Future<Void> end(Buffer chunk) {
    return write(chunk, true);
  }

  @Override
  public Future<Void> end() {
    return write(EMPTY, true);
  }

  @Override
  public Future<Void> writeHead() {
    if (ended || closed) return failed();
    if (!headWritten) return promise(writeHeaders(-1));
    return context.succeededFuture();
  }

  private Future<Void> write(Buffer data, boolean last) {
    if (!context.nettyEventLoop().inEventLoop()) {
      PromiseInternal<Void> p = context.promise();
      context.runOnContext(v -> write(data, last).onComplete(p));
      return p.future();
    }
    if (ended) return context.failedFuture(new IllegalStateException("Response has already been written"));
    if (closed) return failed();
    int len = data.length();
    boolean body = len > 0 && !head;
    boolean trailing = last && trailers != null && !trailers.isEmpty();
    // The FIN rides in the STREAM frame of the last HTTP/3 frame (FinWithLastFrame says why): the head, the last
    // DATA frame or the trailers, whichever ends the answer.
    boolean headNow = !headWritten;
    if (headNow) {
      if (last && !body && !trailing) fin.finNext();
      lastWrite = writeHeaders(last && !chunked && !headers.contains(HttpHeaders.CONTENT_LENGTH) ? len : -1);
    }
    if (body) {
      bytesWritten += len;
      if (last && !trailing) fin.finNext();
      lastWrite = stream.writeAndFlush(new DefaultHttp3DataFrame(((BufferInternal) data).getByteBuf()));
    }
    if (!last) return promise(lastWrite);
    ended = true;
    if (trailing) {
      DefaultHttp3HeadersFrame t = new DefaultHttp3HeadersFrame();
      copy(trailers, t.headers());
      fin.finNext();
      lastWrite = stream.writeAndFlush(t);
    } else if (!headNow && !body) { // the head and body went out before this end
      if (head) {
        // A HEAD answer carries no DATA frame: a FIN of its own (writes complete in order, so it follows the head).
        lastWrite.addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
      } else {
        // An empty DATA frame (no content) carries the FIN.
        fin.finNext();
        lastWrite = stream.writeAndFlush(new DefaultHttp3DataFrame(Unpooled.EMPTY_BUFFER));
      }
    }
    if (whenEnded != null) whenEnded.run();
    Handler<Void> be = bodyEndHandler;
    if (be != null) be.handle(null);
    disposed();
    return promise(lastWrite);
  }

  void whenEnded(Runnable r) {
    this.whenEnded = r;
  }

  private ChannelFuture writeHeaders(long contentLength) {
    Handler<Void> he = headersEndHandler;
    if (he != null) he.handle(null);
    headWritten = true;
    if (contentLength >= 0 && !head) headers.set(HttpHeaders.CONTENT_LENGTH, Long.toString(contentLength));
    DefaultHttp3HeadersFrame frame = new DefaultHttp3HeadersFrame();
    frame.headers().status(AsciiString.of(Integer.toString(status)));
    copy(headers, frame.headers());
    return stream.writeAndFlush(frame);
  }

  /** Field names lowercased (RFC 9114 section 4.2); connection-specific fields dropped, as they are malformed there. */
  private static void copy(MultiMap from, Http3Headers to) {
    for (Map.Entry<String, String> h : from) {
      AsciiString name = AsciiString.of(h.getKey()).toLowerCase();
      if (connectionSpecific(name)) continue;
      to.add(name, h.getValue());
    }
  }

  private static boolean connectionSpecific(AsciiString n) {
    return n.contentEquals("connection") || n.contentEquals("keep-alive") || n.contentEquals("transfer-encoding")
        || n.contentEquals("upgrade") || n.contentEquals("proxy-connection");
  }

  private Future<Void> promise(ChannelFuture f) {
    PromiseInternal<Void> p = context.promise();
    f.addListener(p);
    return p.future();
  }

  private Future<Void> failed() {
    return context.failedFuture(new HttpClosedException("the HTTP/3 stream closed"));
  }

  // ---- head

  @Override
  public int getStatusCode() {
    return status;
  }

  @Override
  public HttpServerResponse setStatusCode(int statusCode) {
    this.status = statusCode;
    return this;
  }

  @Override
  public String getStatusMessage() {
    return statusMessage != null ? statusMessage : HttpResponseStatus.valueOf(status).reasonPhrase();
  }

  @Override
  public HttpServerResponse setStatusMessage(String statusMessage) {
    this.statusMessage = statusMessage; // HTTP/3 carries no reason phrase
    return this;
  }

  @Override
  public HttpServerResponse setChunked(boolean chunked) {
    this.chunked = chunked; // no chunked coding in HTTP/3: only keeps end() from setting a Content-Length
    return this;
  }

  @Override
  public boolean isChunked() {
    return chunked;
  }

  @Override
  public MultiMap headers() {
    return headers;
  }

  @Override
  public HttpServerResponse putHeader(String name, String value) {
    headers.set(name, value);
    return this;
  }

  @Override
  public HttpServerResponse putHeader(CharSequence name, CharSequence value) {
    headers.set(name, value);
    return this;
  }

  @Override
  public HttpServerResponse putHeader(String name, Iterable<String> values) {
    headers.set(name, values);
    return this;
  }

  @Override
  public HttpServerResponse putHeader(CharSequence name, Iterable<CharSequence> values) {
    headers.set(name, values);
    return this;
  }

  @Override
  public MultiMap trailers() {
    if (trailers == null) trailers = HttpHeaders.headers();
    return trailers;
  }

  @Override
  public HttpServerResponse putTrailer(String name, String value) {
    trailers().set(name, value);
    return this;
  }

  @Override
  public HttpServerResponse putTrailer(CharSequence name, CharSequence value) {
    trailers().set(name, value);
    return this;
  }

  @Override
  public HttpServerResponse putTrailer(String name, Iterable<String> values) {
    trailers().set(name, values);
    return this;
  }

  @Override
  public HttpServerResponse putTrailer(CharSequence name, Iterable<CharSequence> value) {
    trailers().set(name, value);
    return this;
  }

  @Override
  public HttpServerResponse closeHandler(Handler<Void> handler) {
    this.closeHandler = handler;
    return this;
  }

  @Override
  public HttpServerResponse endHandler(Handler<Void> handler) {
    this.endHandler = handler;
    return this;
  }

  @Override
  public Future<Void> writeContinue() {
    return context.failedFuture("no 100-continue over HTTP/3 here");
  }

  @Override
  public Future<Void> writeEarlyHints(MultiMap headers) {
    return context.failedFuture("no early hints over HTTP/3 here");
  }

  @Override
  public Future<Void> sendFile(String filename, long offset, long length) {
    return context.failedFuture("sendFile is not offered over HTTP/3");
  }

  @Override
  public Future<Void> sendFile(FileChannel channel, long offset, long length) {
    return context.failedFuture("sendFile is not offered over HTTP/3");
  }

  @Override
  public Future<Void> sendFile(RandomAccessFile file, long offset, long length) {
    return context.failedFuture("sendFile is not offered over HTTP/3");
  }

  @Override
  public boolean ended() {
    return ended;
  }

  @Override
  public boolean closed() {
    return closed;
  }

  @Override
  public boolean headWritten() {
    return headWritten;
  }

  @Override
  public HttpServerResponse headersEndHandler(Handler<Void> handler) {
    this.headersEndHandler = handler;
    return this;
  }

  @Override
  public HttpServerResponse bodyEndHandler(Handler<Void> handler) {
    this.bodyEndHandler = handler;
    return this;
  }

  @Override
  public long bytesWritten() {
    return bytesWritten;
  }

  @Override
  public int streamId() {
    return (int) stream.streamId();
  }

  @Override
  public Future<HttpServerResponse> push(HttpMethod method, HostAndPort authority, String path, MultiMap headers) {
    return context.failedFuture("no server push");
  }

  /**
   * Ends the stream abruptly both ways (RESET_STREAM and STOP_SENDING). The h2 codes the pipeline passes map to
   * HTTP/3's: NO_ERROR (0) to H3_NO_ERROR, CANCEL (8) to H3_REQUEST_CANCELLED, anything else to H3_INTERNAL_ERROR.
   */
  @Override
  public Future<Void> reset(long code) {
    if (closed) return context.succeededFuture();
    Http3ErrorCode h3 = code == 0 ? Http3ErrorCode.H3_NO_ERROR
        : code == 8 ? Http3ErrorCode.H3_REQUEST_CANCELLED : Http3ErrorCode.H3_INTERNAL_ERROR;
    ended = true;
    return promise(stream.shutdown(h3.code()));
  }

  @Override
  public Future<Void> writeCustomFrame(int type, int flags, Buffer payload) {
    return context.failedFuture("no custom frames over HTTP/3");
  }

  @Override
  public HttpServerResponse addCookie(Cookie cookie) {
    headers.add(HttpHeaders.SET_COOKIE, cookie.encode());
    return this;
  }

  @Override
  public Cookie removeCookie(String name, boolean invalidate) {
    return null;
  }

  @Override
  public Set<Cookie> removeCookies(String name, boolean invalidate) {
    return Set.of();
  }

  @Override
  public Cookie removeCookie(String name, String domain, String path) {
    return null;
  }

  @Override
  public Cookie removeCookie(String name, String domain, String path, boolean invalidate) {
    return null;
  }
}
