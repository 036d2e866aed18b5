package dev.bffkit.core.server.h3;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QLogConfiguration;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Netty's HTTP/3 client for tests: one QUIC connection (trusting any certificate, for the test's self-signed one),
 * requests as streams on it. Each answer carries its status, fields (lowercase names), body and how the stream
 * ended: by FIN, or by a reset whose code it records.
 */
public final class H3Client implements AutoCloseable {
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel udp;
  private final QuicChannel quic;
  private final CompletableFuture<QuicConnectionCloseEvent> closeEvent = new CompletableFuture<>();

  /**
   * An answer; {@code status} 0 when the stream ended before a head; {@code resetCode} the server's RESET_STREAM
   * code, or -1.
   */
  public record Answer(int status, Map<String, List<String>> headers, byte[] body, boolean reset, long resetCode) {
    public String header(String name) {
      List<String> v = headers.get(name);
      return v == null ? null : v.get(0);
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  public H3Client(int port) throws Exception {
    this(port, 10_000_000, 1_000_000);
  }

  public H3Client(int port, long maxData, long maxStreamData) throws Exception {
    this(port, maxData, maxStreamData, null);
  }

  /** {@code qlogDir}: where quiche writes this connection's qlog (JSON-SEQ), or null. */
  public H3Client(int port, long maxData, long maxStreamData, Path qlogDir) throws Exception {
    QuicSslContext ssl = QuicSslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
        .applicationProtocols(Http3.supportedApplicationProtocols()).build();
    ChannelHandler codec = Http3.newQuicClientCodecBuilder().sslContext(ssl)
        .maxIdleTimeout(60_000, TimeUnit.MILLISECONDS)
        .initialMaxData(maxData).initialMaxStreamDataBidirectionalLocal(maxStreamData)
        .initialMaxStreamDataUnidirectional(64 * 1024).initialMaxStreamsUnidirectional(8)
        .build();
    udp = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(codec).bind(0).sync().channel();
    quic = QuicChannel.newBootstrap(udp)
        .option(QuicChannelOption.QLOG, qlogDir == null ? null : new QLogConfiguration(qlogDir.toString(), "test", "h3"))
        .handler(new ChannelInitializer<QuicChannel>() {
          @Override
          protected void initChannel(QuicChannel ch) {
            ch.pipeline().addLast(new Http3ClientConnectionHandler(), new ChannelInboundHandlerAdapter() {
              @Override
              public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof QuicConnectionCloseEvent e) closeEvent.complete(e);
                ctx.fireUserEventTriggered(evt);
              }
            });
          }
        })
        .remoteAddress(new InetSocketAddress("127.0.0.1", port)).connect().get(10, TimeUnit.SECONDS);
  }

  /** Completes when the server closes the connection, with its error code. */
  public CompletableFuture<QuicConnectionCloseEvent> closeEvent() {
    return closeEvent;
  }

  /**
   * Writes {@code bytes} as they are on a new request stream (HTTP/3 frames made by hand, malformed ones included:
   * they go below the client's codec), then its FIN when {@code fin}; the answer is decoded as usual.
   */
  public CompletableFuture<Answer> raw(byte[] bytes, boolean fin) throws Exception {
    CompletableFuture<Answer> answer = new CompletableFuture<>();
    QuicStreamChannel stream = stream(answer);
    ChannelFuture f = stream.pipeline().firstContext().writeAndFlush(Unpooled.wrappedBuffer(bytes));
    if (fin) f.addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
    return answer;
  }

  public QuicChannel quic() {
    return quic;
  }

  public Answer get(String path) throws Exception {
    return send("GET", path, Map.of(), null).get(10, TimeUnit.SECONDS);
  }

  /** Sends a request; {@code body} null for none. */
  public CompletableFuture<Answer> send(String method, String path, Map<String, String> headers, byte[] body)
      throws Exception {
    DefaultHttp3HeadersFrame head = new DefaultHttp3HeadersFrame();
    head.headers().method(method).path(path).authority("127.0.0.1").scheme("https");
    headers.forEach((k, v) -> head.headers().add(k.toLowerCase(), v));
    // As browsers and phone stacks do: a body of known size is announced.
    if (body != null && !headers.containsKey("content-length")) head.headers().add("content-length", String.valueOf(body.length));
    return open(stream -> {
      if (body == null) {
        stream.writeAndFlush(head).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
      } else {
        stream.write(head);
        stream.writeAndFlush(new DefaultHttp3DataFrame(Unpooled.wrappedBuffer(body)))
            .addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
      }
    });
  }

  /** Opens a request stream and lets {@code writer} write what it likes on it (malformed input included). */
  public CompletableFuture<Answer> open(Consumer<QuicStreamChannel> writer) throws Exception {
    CompletableFuture<Answer> answer = new CompletableFuture<>();
    writer.accept(stream(answer));
    return answer;
  }

  /** A request stream whose answer {@code answer} gathers; the reset code is read below the codec, which keeps it. */
  private QuicStreamChannel stream(CompletableFuture<Answer> answer) throws Exception {
    Collector collector = new Collector(answer);
    QuicStreamChannel stream = Http3.newRequestStream(quic, collector).get(10, TimeUnit.SECONDS);
    stream.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof QuicStreamResetException r) collector.resetCode = r.applicationProtocolCode();
        ctx.fireExceptionCaught(cause);
      }
    });
    return stream;
  }

  @Override
  public void close() {
    quic.close().awaitUninterruptibly(2000);
    udp.close().awaitUninterruptibly(2000);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3000);
  }

  /** Gathers one answer. */
  private static final class Collector extends Http3RequestStreamInboundHandler {
    private final CompletableFuture<Answer> answer;
    private int status;
    private final Map<String, List<String>> headers = new TreeMap<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    volatile long resetCode = -1;

    Collector(CompletableFuture<Answer> answer) {
      this.answer = answer;
    }

    @Override
    protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
      if (status == 0 && frame.headers().status() != null) status = Integer.parseInt(frame.headers().status().toString());
      frame.headers().forEach(e -> {
        String name = e.getKey().toString();
        if (!name.startsWith(":")) headers.computeIfAbsent(name, k -> new ArrayList<>()).add(e.getValue().toString());
      });
    }

    @Override
    protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
      ByteBuf c = frame.content();
      byte[] b = new byte[c.readableBytes()];
      c.readBytes(b);
      body.writeBytes(b);
      frame.release();
    }

    @Override
    protected void channelInputClosed(ChannelHandlerContext ctx) {
      answer.complete(new Answer(status, new LinkedHashMap<>(headers), body.toByteArray(), resetCode >= 0, resetCode));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      answer.complete(new Answer(status, new LinkedHashMap<>(headers), body.toByteArray(), true, resetCode));
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      long code = cause instanceof QuicStreamResetException r ? r.applicationProtocolCode() : resetCode;
      answer.complete(new Answer(status, new LinkedHashMap<>(headers), body.toByteArray(), true, code));
      ctx.close();
    }
  }
}
