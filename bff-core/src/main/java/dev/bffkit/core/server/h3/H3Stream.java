package dev.bffkit.core.server.h3;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.http3.Http3Exception;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3HeadersValidationException;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QuicException;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.HostAndPort;
import java.util.Map;

/**
 * One request stream's handler, after Netty's HTTP/3 codec and its validators (frame order, pseudo-header rules,
 * the field-section limit): turns the first HEADERS frame into an {@link H3Request} for the pipeline, DATA frames
 * into its body, and the stream's end, reset or loss into the request's and answer's events. Every event runs with
 * the listener's Vert.x context current.
 */
final class H3Stream extends Http3RequestStreamInboundHandler {
  private final ContextInternal context;
  private final H3Connection connection;
  private final Handler<HttpServerRequest> onRequest;
  private final FinWithLastFrame fin;
  private H3Request request;
  private H3Response response;

  H3Stream(ContextInternal context, H3Connection connection, Handler<HttpServerRequest> onRequest, FinWithLastFrame fin) {
    this.context = context;
    this.connection = connection;
    this.onRequest = onRequest;
    this.fin = fin;
  }

  @Override
  protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
    if (request != null) return; // trailers: the pipeline reads none (nor does Vert.x's h2 server request)
    QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
    Http3Headers h = frame.headers();
    HttpMethod method = HttpMethod.valueOf(h.method().toString());
    MultiMap headers = HttpHeaders.headers();
    for (Map.Entry<CharSequence, CharSequence> e : h) {
      CharSequence name = e.getKey();
      if (name.length() == 0 || name.charAt(0) != ':') headers.add(name, e.getValue());
    }
    CharSequence auth = h.authority();
    if (auth == null) auth = headers.get(HttpHeaders.HOST);
    HostAndPort authority = auth == null ? null : HostAndPort.parseAuthority(auth.toString(), -1);
    connection.streamOpened(stream.streamId());
    response = new H3Response(stream, context, method, fin);
    request = new H3Request(stream, context, connection, method, h.path().toString(), authority, headers, response);
    H3Request req = request;
    response.whenEnded(() -> {
      // RFC 9114 section 4.1: a complete answer to a request the client has not finished; the rest is not needed,
      // so the client is asked to stop sending (STOP_SENDING, H3_NO_ERROR) and the stream can close. Without it a
      // client FIN lost where it is not sent again (quiche: see FinWithLastFrame) holds the stream until idle.
      if (!req.inputEnded()) stream.shutdownInput(Http3ErrorCode.H3_NO_ERROR.code());
    });
    context.dispatch(request, onRequest);
  }

  @Override
  protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
    if (request == null) {
      frame.release();
      return;
    }
    // Copied to the heap and released: the pipeline may keep the chunk past this event.
    Buffer chunk;
    try {
      chunk = Buffer.buffer(ByteBufUtil.getBytes(frame.content()));
    } finally {
      frame.release();
    }
    context.dispatch(chunk, request::onData);
  }

  @Override
  protected void channelInputClosed(ChannelHandlerContext ctx) {
    if (request != null) {
      context.dispatch(v -> request.onInputEnd());
    } else {
      // RFC 9114 section 4.1.2: the stream ended before a complete request head (nothing, or a frame cut short).
      ((QuicStreamChannel) ctx.channel()).shutdown(Http3ErrorCode.H3_REQUEST_INCOMPLETE.code());
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    if (response != null) context.dispatch(v -> response.onWritable());
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (request != null) {
      context.dispatch(v -> {
        request.onFailure(new HttpClosedException("the HTTP/3 stream closed"));
        response.onClosed();
      });
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Malformed frames and fields were answered by the codec already (a stream error with its code, or a connection
    // error); a reset by the client arrives as the stream's close. None of it is the gateway's fault or worth a log
    // line per request. Anything else thrown before the head was decoded is input the codec could not take (a field
    // value Netty's header validation refused, say): a malformed request (RFC 9114 section 4.1.2), a stream error.
    if (cause instanceof Http3Exception || cause instanceof Http3HeadersValidationException || cause instanceof QuicException) {
      return;
    }
    Http3ErrorCode code = request == null ? Http3ErrorCode.H3_MESSAGE_ERROR : Http3ErrorCode.H3_INTERNAL_ERROR;
    ((QuicStreamChannel) ctx.channel()).shutdown(code.code());
  }
}
