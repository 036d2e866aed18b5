package dev.bffkit.core.server.h3;

import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.Http3Config;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.handler.codec.http3.DefaultHttp3GoAwayFrame;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ServerConnectionHandler;
import io.netty.handler.codec.http3.Http3SettingsFrame;
import io.netty.handler.codec.quic.Quic;
import io.netty.handler.codec.quic.QLogConfiguration;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.transport.Transport;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The HTTP/3 listener of one event loop: a UDP socket bound with SO_REUSEPORT beside the other loops' (the kernel
 * keeps a connection's datagrams on one socket), Netty's QUIC codec (quiche, BoringSSL) and HTTP/3 codec on the
 * verticle's own event loop, and each request stream handed to the same handler as the TCP listener's requests.
 * TLS 1.3 only (QUIC), ALPN h3, no 0-RTT; the certificate is chosen per handshake from a key manager that a
 * certificate reload swaps.
 */
public final class Http3Listener {
  private final ContextInternal context;
  private final DatagramChannel socket;
  private final SwappableKeyManager keys;
  private final Set<H3Connection> connections = new HashSet<>();
  private boolean draining;

  private Http3Listener(ContextInternal context, DatagramChannel socket, SwappableKeyManager keys) {
    this.context = context;
    this.socket = socket;
    this.keys = keys;
  }

  /**
   * Fails when the QUIC native library cannot load here, with the reason and the fix. The library is built for
   * linux-x86_64 (glibc); the jar for other platforms is not shipped.
   */
  public static void requireNative() {
    if (Quic.isAvailable()) return;
    Throwable cause = Quic.unavailabilityCause();
    throw new ConfigException("bff.yaml", 0, "server.http3.enabled: the QUIC native library (netty-codec-native-quic, linux-x86_64)"
        + " cannot load on this machine (" + System.getProperty("os.name") + " " + System.getProperty("os.arch") + "): "
        + (cause == null ? "unknown cause" : cause) + "; set server.http3.enabled: false or run on linux-x86_64");
  }

  /** A qlog directory that is set must exist and be writable: quiche would only log each file it cannot create. */
  public static void requireQlogDir(Http3Config c) {
    if (c.qlogDir() == null) return;
    Path dir = Path.of(c.qlogDir());
    if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
      throw new ConfigException("bff.yaml", 0, "server.http3.qlogDir: " + dir.toAbsolutePath() + " is not a writable"
          + " directory; create it, or remove the key (qlogs are for diagnosis)");
    }
  }

  /**
   * Binds {@code host:port} over UDP on {@code context}'s event loop. {@code keys}: the TCP listener's certificate
   * and key; {@code maxHeaderBytes} is announced as SETTINGS_MAX_FIELD_SECTION_SIZE and enforced by the codec.
   */
  public static Future<Http3Listener> start(ContextInternal context, String host, int port, Http3Config config,
      int maxHeaderBytes, KeyManagerFactory keys, Handler<HttpConnection> onConnection,
      Handler<HttpServerRequest> onRequest) {
    requireNative();
    SwappableKeyManager km = new SwappableKeyManager(keys);
    QuicSslContext ssl = QuicSslContextBuilder.forServer(km, null)
        .applicationProtocols(Http3.supportedApplicationProtocols())
        .earlyData(false) // replayable (RFC 8470 section 3): not accepted
        .build();
    Transport transport = ((VertxInternal) context.owner()).transport();
    InetSocketAddress at = new InetSocketAddress(host, port);
    DatagramChannel socket = transport.datagramChannel(at.getAddress() instanceof Inet6Address
        ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4);
    transport.configure(socket, new DatagramSocketOptions().setReusePort(true));
    Http3Listener listener = new Http3Listener(context, socket, km);
    socket.pipeline().addLast(listener.codec(ssl, config, maxHeaderBytes, onConnection, onRequest));
    PromiseInternal<Void> registered = context.promise();
    context.nettyEventLoop().register(socket).addListener(registered);
    return registered.compose(v -> {
      PromiseInternal<Void> bound = context.promise();
      socket.bind(at).addListener(bound);
      return bound;
    }).map(listener);
  }

  private ChannelHandler codec(QuicSslContext ssl, Http3Config c, int maxHeaderBytes,
      Handler<HttpConnection> onConnection, Handler<HttpServerRequest> onRequest) {
    Http3SettingsFrame settings = new DefaultHttp3SettingsFrame();
    // RFC 9114 section 4.2.2: the largest field section we accept; the codec refuses a larger one (H3_EXCESSIVE_LOAD).
    settings.put(Http3SettingsFrame.HTTP3_SETTINGS_MAX_FIELD_SECTION_SIZE, (long) maxHeaderBytes);
    return Http3.newQuicServerCodecBuilder()
        // one file per connection, named by its id, when an operator asked for them (diagnosis)
        .option(QuicChannelOption.QLOG, c.qlogDir() == null ? null : new QLogConfiguration(c.qlogDir(), "bff", "HTTP/3"))
        .sslContext(ssl)
        .maxIdleTimeout(c.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .initialMaxData(c.maxData())
        .initialMaxStreamDataBidirectionalRemote(c.maxStreamData())
        .initialMaxStreamDataBidirectionalLocal(c.maxStreamData())
        .initialMaxStreamDataUnidirectional(64 * 1024)
        .initialMaxStreamsBidirectional(c.maxConcurrentStreams())
        // control, QPACK encoder and decoder streams (RFC 9114 section 6.2), and a few the client may grease with
        .initialMaxStreamsUnidirectional(8)
        .handler(new ChannelInitializer<QuicChannel>() {
          @Override
          protected void initChannel(QuicChannel ch) {
            if (draining) {
              ch.close();
              return;
            }
            H3Connection conn = new H3Connection(ch, context);
            connections.add(conn);
            ch.closeFuture().addListener(f -> {
              connections.remove(conn);
              conn.closed();
            });
            ChannelHandler streams = new ChannelInitializer<QuicStreamChannel>() {
              @Override
              protected void initChannel(QuicStreamChannel stream) {
                conn.streamActive(stream);
                FinWithLastFrame fin = new FinWithLastFrame();
                stream.pipeline().addFirst(fin); // below the codec: it sees each encoded frame
                stream.pipeline().addLast(new H3Stream(context, conn, onRequest, fin));
              }
            };
            // The QPACK dynamic table is off: no state a client can make us hold beyond the field-section limit.
            ch.pipeline().addLast(new Http3ServerConnectionHandler(streams, null, null, settings, true),
                new ChannelInboundHandlerAdapter() {
                  @Override
                  public void channelActive(ChannelHandlerContext ctx) {
                    // Counted (limits.maxConnections) once the handshake is done: a close before it would not
                    // reach the client, which would only retransmit its Initial.
                    context.dispatch(conn, onConnection);
                    ctx.fireChannelActive();
                  }
                });
          }
        })
        .build();
  }

  /** Whether {@code request} came over HTTP/3 (its {@code version()} says HTTP_2: see {@link H3Request}). */
  public static boolean isHttp3(HttpServerRequest request) {
    return H3Request.isHttp3(request);
  }

  /** The UDP port bound (the real one when 0 was asked). */
  public int actualPort() {
    return ((InetSocketAddress) socket.localAddress()).getPort();
  }

  /** Open QUIC connections on this loop. */
  public int connections() {
    return connections.size();
  }

  /** New handshakes use {@code next} (a certificate reload); open connections keep theirs. */
  public void keys(KeyManagerFactory next) {
    keys.swap(next);
  }

  /**
   * Stops accepting connections, sends GOAWAY on each open one (RFC 9114 section 5.2) and closes each when its
   * requests have ended or {@code graceMs} has passed; then closes the socket.
   */
  public Future<Void> shutdown(long graceMs) {
    draining = true;
    List<Future<Void>> all = new ArrayList<>();
    for (H3Connection c : List.copyOf(connections)) all.add(drain(c, graceMs));
    return Future.join(all).transform(ar -> {
      PromiseInternal<Void> closed = context.promise();
      socket.close().addListener(closed);
      return closed.future();
    });
  }

  /** GOAWAY, then the connection closes once its open streams end, or after {@code graceMs}. */
  static Future<Void> drain(H3Connection c, long graceMs) {
    QuicChannel ch = c.channel();
    Promise<Void> done = Promise.promise();
    QuicStreamChannel control = Http3.getLocalControlStream(ch);
    if (control != null) control.writeAndFlush(new DefaultHttp3GoAwayFrame(c.goAwayId()));
    Runnable close = () -> c.close().onComplete(v -> done.tryComplete());
    c.whenIdle(close);
    ch.eventLoop().schedule(close, Math.max(1, graceMs), TimeUnit.MILLISECONDS);
    return done.future();
  }

  /** Hands each handshake the current certificate; a reload swaps the delegate. */
  static final class SwappableKeyManager extends X509ExtendedKeyManager {
    private volatile X509ExtendedKeyManager delegate;

    SwappableKeyManager(KeyManagerFactory kmf) {
      swap(kmf);
    }

    void swap(KeyManagerFactory kmf) {
      for (KeyManager k : kmf.getKeyManagers()) {
        if (k instanceof X509ExtendedKeyManager x) {
          delegate = x;
          return;
        }
      }
      throw new IllegalArgumentException("no X.509 key manager in " + kmf.getAlgorithm());
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return delegate.getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return delegate.chooseClientAlias(keyType, issuers, socket);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return delegate.getServerAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return delegate.chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return delegate.chooseEngineServerAlias(keyType, issuers, engine);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return delegate.getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return delegate.getPrivateKey(alias);
    }
  }
}
