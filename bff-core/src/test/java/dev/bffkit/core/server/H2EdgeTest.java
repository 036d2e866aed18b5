package dev.bffkit.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.ServerConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HTTP/2 requests a client library would never send, written as frames with Netty's
 * Http2FrameCodec (no validation on our side): control characters in values and the
 * connection-specific headers of RFC 9113 §8.2.2. Each gets a quick 400 or a stream reset, and
 * the upstream (HTTP/1.1) sees nothing; a clean request on the same connection still works.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class H2EdgeTest {
  Vertx vertx;
  HttpServer upstream;
  Bff.RunningBff bff;
  EventLoopGroup group;
  Channel connection;
  final AtomicInteger upstreamCalls = new AtomicInteger();
  volatile String forwardedHost;

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> {
      upstreamCalls.incrementAndGet();
      forwardedHost = req.headers().getAll("x-forwarded-host").toString();
      req.response().end("ok");
    }).listen(0, "127.0.0.1").await();
    ServerConfig server = new ServerConfig("127.0.0.1", 0, 1, Duration.ofSeconds(1), Duration.ofSeconds(30), 64 * 1024, 8192, true);
    ClientBundle b = TestBundles.bundle(server, Duration.ofSeconds(5),
        Map.of("posts", TestBundles.service("posts", upstream.actualPort())),
        List.of(new ProxyRouteConfig("/api/posts", "posts", "/api", Set.of())), "type Query { ping: String }", Map.of());
    bff = Bff.start(vertx, b).await();
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    connection = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().validateHeaders(false).build(),
            new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
      }
    }).connect("127.0.0.1", bff.port()).sync().channel();
  }

  @AfterAll
  void stop() throws Exception {
    connection.close().sync();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Sends one request on a new stream; "status 400", "reset 1" or "closed". */
  String send(String name, String value) throws Exception {
    CompletableFuture<String> outcome = new CompletableFuture<>();
    Http2StreamChannel stream = new Http2StreamChannelBootstrap(connection).handler(new SimpleChannelInboundHandler<Http2StreamFrame>() {
      @Override
      protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
        if (frame instanceof Http2HeadersFrame h && h.headers().status() != null) outcome.complete("status " + h.headers().status());
        if (frame instanceof Http2ResetFrame r) outcome.complete("reset " + r.errorCode());
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        outcome.complete("closed");
      }
    }).open().sync().getNow();
    Http2Headers h = new DefaultHttp2Headers(false);
    h.method("GET").path("/api/posts/1").scheme("http").authority("x");
    if (name != null) h.add(name, value);
    stream.writeAndFlush(new DefaultHttp2HeadersFrame(h, true)).sync();
    return outcome.get(1, TimeUnit.SECONDS); // "answers within a second"
  }

  static List<String[]> malformed() {
    return List.of(
        new String[] {"x-a", "a\u0000b"},
        new String[] {"x-a", "a\r\nx-injected: 1"},
        new String[] {"x-a", "a\nb"},
        new String[] {"x-a", "a\rb"},
        new String[] {"x-a", "a\u0001b"},
        new String[] {"connection", "keep-alive"},
        new String[] {"keep-alive", "timeout=5"},
        new String[] {"proxy-connection", "keep-alive"},
        new String[] {"transfer-encoding", "chunked"},
        new String[] {"upgrade", "h2c"},
        new String[] {"te", "gzip"});
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("malformed")
  void malformedFieldsAreRefusedBeforeAnyUpstreamCall(String name, String value) throws Exception {
    int before = upstreamCalls.get();
    String outcome = send(name, value);
    // Netty's HPACK decoder refuses connection-specific names with a stream error (the stream
    // closes); control characters in values pass Netty and get our 400.
    assertTrue(outcome.equals("status 400") || outcome.startsWith("reset ") || outcome.equals("closed"), name + " -> " + outcome);
    assertEquals("status 200", send(null, null), "the connection still serves clean requests");
    assertEquals(before + 1, upstreamCalls.get(), "only the clean request reached the upstream");
  }

  @Test
  void forwardedHostIsTheAuthorityNotTheClientsCopy() throws Exception {
    assertEquals("status 200", send("x-forwarded-host", "evil.example"));
    assertEquals("[x]", forwardedHost, "the request's :authority, set by the gateway");
  }

  @Test
  void teTrailersIsAllowed() throws Exception {
    assertEquals("status 200", send("te", "trailers"));
  }
}
