package dev.bffkit.loadtests.bench;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ClasspathBundles;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.Http3Config;
import dev.bffkit.core.config.ServerConfig;
import dev.bffkit.core.config.TlsConfig;
import dev.bffkit.core.server.NettyDefaults;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
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
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Issue 21's measurement: the time to first byte of the iOS home screen over HTTP/3 and over HTTP/2 (TLS 1.3, TCP)
 * across a link with 50 ms of round trip and packet loss, which {@code load-tests/h3-netem.sh} sets up between the
 * root network namespace (the BFF, its demo services) and a namespace of its own (this client).
 *
 * <pre>
 *   H3Netem serve HOST PORT CERT KEY TOKEN_FILE          the demo services and the iOS BFF (auth on, TLS, HTTP/3 on)
 *   H3Netem measure HOST PORT TOKEN_FILE N LABEL OUT     N home requests per protocol and connection mode, interleaved
 *   H3Netem report DIR                                   summary.md from DIR/*.json
 * </pre>
 *
 * Two connection modes: {@code cold}, a new connection per request (TCP + TLS 1.3 handshakes, or QUIC's), as a phone
 * opening the app or coming back from a network change; {@code warm}, sequential requests on one open connection.
 * TTFB runs from the moment the client starts (to connect, in cold mode) to the response's head; "last byte" to the
 * end of its body. HTTP/2 is Vert.x's client (JDK TLS), HTTP/3 Netty's (quiche); requests alternate between them so
 * both see the same link at the same moments.
 */
public final class H3Netem {
  private H3Netem() {}

  public static void main(String[] args) throws Exception {
    NettyDefaults.apply();
    switch (args.length == 0 ? "" : args[0]) {
      case "serve" -> serve(args[1], Integer.parseInt(args[2]), args[3], args[4], Path.of(args[5]));
      case "measure" -> measure(args[1], Integer.parseInt(args[2]), Path.of(args[3]), Integer.parseInt(args[4]), args[5],
          Path.of(args[6]));
      case "report" -> report(Path.of(args[1]));
      default -> {
        System.err.println("usage: H3Netem serve HOST PORT CERT KEY TOKEN_FILE | measure HOST PORT TOKEN_FILE N LABEL OUT"
            + " | report DIR");
        System.exit(2);
      }
    }
  }

  // ------------------------------------------------------------------ serve

  static void serve(String host, int port, String cert, String key, Path tokenFile) throws Exception {
    Vertx vertx = Vertx.builder().with(new VertxOptions().setPreferNativeTransport(true)).build();
    Scenarios.Backends backends = Scenarios.startBackends(vertx).await(30, TimeUnit.SECONDS);
    var idp = Scenarios.devIdp(vertx).await(30, TimeUnit.SECONDS);
    Map<String, String> env = new LinkedHashMap<>(backends.env());
    env.put("BFF_JWT_ISSUER", idp.issuer());
    env.put("BFF_JWKS_URL", "");
    env.put("BFF_HOST", host);
    env.put("BFF_PORT", Integer.toString(port));
    env.putAll(Scenarios.DEMO_EXTRAS_OFF);
    ClientBundle bundle = ClasspathBundles.load("ios", name -> env.containsKey(name) ? env.get(name) : System.getenv(name));
    BffConfig cfg = bundle.config();
    cfg = cfg.withEdge(cfg.filters(), cfg.cors(), new TlsConfig(cert, key, Duration.ofMinutes(1), Duration.ZERO));
    cfg = cfg.withServer(cfg.server().withHttp3(Http3Config.off().withEnabled(true)));
    String instances = System.getenv("H3NETEM_INSTANCES"); // event loops (server.instances); default one per core
    if (instances != null) {
      var s = cfg.server();
      cfg = cfg.withServer(new ServerConfig(s.host(), s.port(), Integer.parseInt(instances), s.shutdownGrace(),
          s.idleTimeout(), s.maxBodyBytes(), s.maxHeaderBytes(), s.h2c(), s.warmUp(), s.drainDelay(), s.http3()));
    }
    Bff.RunningBff bff = Bff.start(vertx, new ClientBundle(cfg, bundle.schema(), bundle.screens())).await(60, TimeUnit.SECONDS);
    Files.writeString(tokenFile, Scenarios.bffHeaders().get("authorization"));
    System.out.println("serving https://" + host + ":" + bff.port() + " (TCP: h2, http/1.1; UDP: h3)");
    // Until the script stops it (SIGTERM).
    Thread.currentThread().join();
  }

  // ------------------------------------------------------------------ measure

  /** One request's timings in nanoseconds; status 0 when it failed, and why in {@code error}. */
  record Sample(long ttfbNanos, long lastByteNanos, int status, int bytes, String error) {
    Sample(long ttfbNanos, long lastByteNanos, int status, int bytes) {
      this(ttfbNanos, lastByteNanos, status, bytes, null);
    }

    static Sample failed(String why) {
      return new Sample(0, 0, 0, 0, why);
    }
  }

  interface Client extends AutoCloseable {
    Sample get() throws Exception;

    @Override
    void close();
  }

  static void measure(String host, int port, Path tokenFile, int n, String label, Path out) throws Exception {
    String token = Files.readString(tokenFile).trim();
    Vertx vertx = Vertx.vertx();
    Context ctx = vertx.getOrCreateContext();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      Map<String, Supplier<Client>> clients = new LinkedHashMap<>();
      clients.put("h2 cold", () -> new H2(vertx, ctx, host, port, token, true));
      clients.put("h3 cold", () -> new H3(group, host, port, token, true));
      clients.put("h2 warm", () -> new H2(vertx, ctx, host, port, token, false));
      clients.put("h3 warm", () -> new H3(group, host, port, token, false));
      JsonObject result = new JsonObject().put("label", label).put("requests", n);
      for (String mode : List.of("cold", "warm")) {
        Client h2 = clients.get("h2 " + mode).get();
        Client h3 = clients.get("h3 " + mode).get();
        // One unmeasured request each: class loading and JIT, and the warm connections' handshakes.
        h2.get();
        h3.get();
        List<Sample> s2 = new ArrayList<>();
        List<Sample> s3 = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          // Alternating (and which goes first, too): both protocols see the link in the same moments.
          if (i % 2 == 0) {
            s2.add(h2.get());
            s3.add(h3.get());
          } else {
            s3.add(h3.get());
            s2.add(h2.get());
          }
        }
        h2.close();
        h3.close();
        result.put("h2 " + mode, stats(s2)).put("h3 " + mode, stats(s3));
        System.out.println(label + " " + mode + ": h2 " + stats(s2).encode() + "\n" + label + " " + mode + ": h3 " + stats(s3).encode());
      }
      Files.writeString(out, result.encodePrettily());
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      vertx.close().await(5, TimeUnit.SECONDS);
    }
  }

  static JsonObject stats(List<Sample> samples) {
    long[] ttfb = samples.stream().filter(s -> s.status() == 200).mapToLong(Sample::ttfbNanos).sorted().toArray();
    long[] last = samples.stream().filter(s -> s.status() == 200).mapToLong(Sample::lastByteNanos).sorted().toArray();
    return new JsonObject()
        .put("ok", ttfb.length).put("failed", samples.size() - ttfb.length)
        .put("ttfbMedianMs", ms(pct(ttfb, 50))).put("ttfbP90Ms", ms(pct(ttfb, 90))).put("ttfbP99Ms", ms(pct(ttfb, 99)))
        .put("lastByteMedianMs", ms(pct(last, 50))).put("lastByteP90Ms", ms(pct(last, 90)))
        .put("bytes", samples.stream().mapToInt(Sample::bytes).max().orElse(0))
        .put("errors", new JsonObject(new LinkedHashMap<>(samples.stream().filter(s -> s.error() != null)
            .collect(Collectors.groupingBy(Sample::error, LinkedHashMap::new, Collectors.counting())))));
  }

  static long pct(long[] sorted, int p) {
    if (sorted.length == 0) return -1;
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  static double ms(long nanos) {
    return nanos < 0 ? -1 : Math.round(nanos / 100_000.0) / 10.0;
  }

  /** HTTP/2 over TLS (ALPN h2) with Vert.x's client; cold: a new client, so a new TCP connection, per request. */
  static final class H2 implements Client {
    private final Vertx vertx;
    private final Context ctx;
    private final RequestOptions request;
    private final boolean cold;
    private final HttpClientOptions options;
    private HttpClient client;

    H2(Vertx vertx, Context ctx, String host, int port, String token, boolean cold) {
      this.vertx = vertx;
      this.ctx = ctx;
      this.cold = cold;
      this.options = new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false).setUseAlpn(true)
          .setProtocolVersion(HttpVersion.HTTP_2).setConnectTimeout(30_000).setTcpNoDelay(true);
      this.request = new RequestOptions().setHost(host).setPort(port).setMethod(HttpMethod.GET)
          .setURI("/v1/screens/home").putHeader("authorization", token).setIdleTimeout(60_000);
      if (!cold) client = vertx.createHttpClient(options, new PoolOptions().setHttp2MaxSize(1));
    }

    @Override
    public Sample get() throws Exception {
      Promise<Sample> p = Promise.promise();
      ctx.runOnContext(v -> {
        HttpClient c = cold ? vertx.createHttpClient(options, new PoolOptions().setHttp2MaxSize(1)) : client;
        long t0 = System.nanoTime();
        c.request(request).compose(r -> r.send()).compose(resp -> {
          long ttfb = System.nanoTime() - t0;
          int status = resp.statusCode();
          return resp.body().map(b -> new Sample(ttfb, System.nanoTime() - t0, status, b.length()));
        }).eventually(() -> cold ? c.close() : Future.succeededFuture()).onComplete(p);
      });
      try {
        return p.future().await(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        return Sample.failed(e.toString());
      }
    }

    @Override
    public void close() {
      if (client != null) client.close();
    }
  }

  /** HTTP/3 with Netty's client (quiche); cold: a new QUIC connection per request. */
  static final class H3 implements Client {
    private final Channel udp;
    private final InetSocketAddress server;
    private final String token;
    private final String authority;
    private final boolean cold;
    private QuicChannel quic;

    H3(EventLoopGroup group, String host, int port, String token, boolean cold) {
      this.server = new InetSocketAddress(host, port);
      this.authority = host + ":" + port;
      this.token = token;
      this.cold = cold;
      QuicSslContext ssl = QuicSslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
          .applicationProtocols(Http3.supportedApplicationProtocols()).build();
      var codec = Http3.newQuicClientCodecBuilder().sslContext(ssl).maxIdleTimeout(60_000, TimeUnit.MILLISECONDS)
          .initialMaxData(10_000_000).initialMaxStreamDataBidirectionalLocal(1_000_000)
          .initialMaxStreamDataUnidirectional(64 * 1024).initialMaxStreamsUnidirectional(8).build();
      udp = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(codec).bind(0).syncUninterruptibly().channel();
    }

    /** How the last connection was closed by its peer (a CONNECTION_CLOSE), for the failure's reason. */
    private volatile String closedBy;

    private QuicChannel connect() throws Exception {
      closedBy = null;
      String qlog = System.getenv("H3NETEM_QLOG"); // a directory: the measuring client's qlog, one file per connection
      return QuicChannel.newBootstrap(udp)
          .option(QuicChannelOption.QLOG, qlog == null ? null : new QLogConfiguration(qlog, "h3netem", "client"))
          .handler(new ChannelInitializer<QuicChannel>() {
        @Override
        protected void initChannel(QuicChannel ch) {
          ch.pipeline().addLast(new Http3ClientConnectionHandler(), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext c, Object evt) {
              if (evt instanceof QuicConnectionCloseEvent e) closedBy = e.toString();
              c.fireUserEventTriggered(evt);
            }
          });
        }
      }).remoteAddress(server).connect().get(60, TimeUnit.SECONDS);
    }

    @Override
    public Sample get() throws Exception {
      long t0 = System.nanoTime();
      try {
        if (cold || quic == null || !quic.isActive()) quic = connect();
        CompletableFuture<Sample> done = new CompletableFuture<>();
        boolean[] finSeen = new boolean[1];
        QuicStreamChannel stream = Http3.newRequestStream(quic, new Http3RequestStreamInboundHandler() {
          long ttfb;
          int status;
          int bytes;

          @Override
          protected void channelRead(ChannelHandlerContext c, Http3HeadersFrame f) {
            if (ttfb == 0) {
              ttfb = System.nanoTime() - t0;
              status = Integer.parseInt(f.headers().status().toString());
            }
          }

          @Override
          protected void channelRead(ChannelHandlerContext c, Http3DataFrame f) {
            bytes += f.content().readableBytes();
            f.release();
          }

          @Override
          protected void channelInputClosed(ChannelHandlerContext c) {
            done.complete(new Sample(ttfb, System.nanoTime() - t0, status, bytes));
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            done.complete(Sample.failed("stream: " + cause));
          }

          @Override
          public void channelInactive(ChannelHandlerContext c) throws Exception {
            done.complete(Sample.failed("stream closed before its end (status " + status + ", " + bytes + " bytes, FIN "
                + (finSeen[0] ? "seen below the codec" : "not seen") + ", connection " + (closedBy != null ? closedBy
                : quic.isActive() ? "open" : "closed without CONNECTION_CLOSE") + ")"));
            super.channelInactive(c);
          }
        }).get(60, TimeUnit.SECONDS);
        // Below the codec, which keeps a reset to itself: the code says who ended the stream and why.
        stream.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
          @Override
          public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            if (cause instanceof QuicStreamResetException r) {
              done.complete(Sample.failed("stream reset by the server, code 0x" + Long.toHexString(r.applicationProtocolCode())));
            }
            c.fireExceptionCaught(cause);
          }

          @Override
          public void userEventTriggered(ChannelHandlerContext c, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) finSeen[0] = true;
            c.fireUserEventTriggered(evt);
          }
        });
        DefaultHttp3HeadersFrame head = new DefaultHttp3HeadersFrame();
        head.headers().method("GET").path("/v1/screens/home").scheme("https").authority(authority).add("authorization", token);
        stream.writeAndFlush(head).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
        Sample s = done.get(60, TimeUnit.SECONDS);
        if (cold) quic.close().sync();
        return s;
      } catch (Exception e) {
        if (quic != null) quic.close();
        quic = null;
        return Sample.failed(e.toString());
      }
    }

    @Override
    public void close() {
      if (quic != null) quic.close().awaitUninterruptibly(2000);
      udp.close().awaitUninterruptibly(2000);
    }
  }

  // ------------------------------------------------------------------ report

  static void report(Path dir) throws Exception {
    List<JsonObject> runs = new ArrayList<>();
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        runs.add(new JsonObject(Files.readString(f)));
      }
    }
    StringBuilder md = new StringBuilder();
    md.append("# Issue 21: HTTP/3 vs HTTP/2 time to first byte on a lossy link\n\n");
    String settings = Files.exists(dir.resolve("settings.txt")) ? Files.readString(dir.resolve("settings.txt")) : "";
    md.append(settings).append('\n');
    for (String mode : List.of("cold", "warm")) {
      md.append("\n## ").append(mode.equals("cold") ? "New connection per request (cold)" : "One open connection (warm)")
          .append("\n\n| loss each way | proto | TTFB median | TTFB p90 | TTFB p99 | last byte median | last byte p90 | ok/failed |"
              + " h3 vs h2 TTFB median | h3 vs h2 TTFB p90 |\n|---|---|---|---|---|---|---|---|---|---|\n");
      for (JsonObject run : runs) {
        JsonObject h2 = run.getJsonObject("h2 " + mode);
        JsonObject h3 = run.getJsonObject("h3 " + mode);
        for (String proto : List.of("h2", "h3")) {
          JsonObject s = proto.equals("h2") ? h2 : h3;
          md.append(String.format(Locale.ROOT, "| %s | %s | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %d/%d | %s | %s |\n",
              run.getString("label"), proto, s.getDouble("ttfbMedianMs"), s.getDouble("ttfbP90Ms"), s.getDouble("ttfbP99Ms"),
              s.getDouble("lastByteMedianMs"), s.getDouble("lastByteP90Ms"), s.getInteger("ok"), s.getInteger("failed"),
              proto.equals("h3") ? change(h2.getDouble("ttfbMedianMs"), h3.getDouble("ttfbMedianMs")) : "",
              proto.equals("h3") ? change(h2.getDouble("ttfbP90Ms"), h3.getDouble("ttfbP90Ms")) : ""));
        }
      }
    }
    Files.writeString(dir.resolve("summary.md"), md);
    System.out.println(md);
  }

  static String change(double h2, double h3) {
    if (h2 <= 0 || h3 <= 0) return "n/a";
    return String.format(Locale.ROOT, "%+.0f %%", (h3 - h2) / h2 * 100);
  }
}
