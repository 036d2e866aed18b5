package dev.bffkit.core.server.h3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.Http3Config;
import dev.bffkit.core.config.LimitsConfig;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.ServerConfig;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.codec.quic.QuicTransportParameters;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The HTTP/3 listener's limits and its answers to malformed input, table-driven: each hand-made request stream gets
 * the error RFC 9114 (and RFC 9204 for QPACK) names, within a second, and the listener serves the next connection.
 * Then the limits as for h2: concurrent streams, the connection's and a stream's flow-control windows, idle timeout,
 * field-section size, and the BFF-wide connection limit.
 */
class Http3EdgeTest {
  // RFC 9114 section 8.1 and RFC 9204 section 6
  static final long H3_FRAME_UNEXPECTED = 0x105;
  static final long H3_EXCESSIVE_LOAD = 0x107;
  static final long H3_REQUEST_INCOMPLETE = 0x10d;
  static final long H3_MESSAGE_ERROR = 0x10e;
  static final long QPACK_DECOMPRESSION_FAILED = 0x200;
  static final int STREAMS = 8;
  static final Duration IDLE = Duration.ofSeconds(2);
  static final int LIMIT = 3;

  @TempDir static Path dir;
  static Vertx vertx;
  static HttpServer upstream;
  static Bff.RunningBff bff;
  /** The same BFF with limits.maxConnections = {@link #LIMIT}. */
  static Bff.RunningBff limited;

  /** How a stream's exchange ended: an answer's status, the stream reset with a code, or the connection closed with one. */
  record Outcome(String kind, long code) {
    static Outcome status(int s) {
      return new Outcome("status", s);
    }

    static Outcome streamError(long code) {
      return new Outcome("stream reset", code);
    }

    static Outcome connectionError(long code) {
      return new Outcome("connection closed", code);
    }

    @Override
    public String toString() {
      return kind + " 0x" + Long.toHexString(code) + " (" + code + ")";
    }
  }

  record Case(String name, byte[] bytes, boolean fin, Outcome expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final String[] GET = {":method", "GET", ":scheme", "https", ":authority", "127.0.0.1", ":path", "/healthz"};

  static String[] get(String... more) {
    String[] all = new String[GET.length + more.length];
    System.arraycopy(GET, 0, all, 0, GET.length);
    System.arraycopy(more, 0, all, GET.length, more.length);
    return all;
  }

  static Stream<Case> malformed() {
    byte[] eight = new byte[8];
    return Stream.of(
        new Case("well-formed, for reference", new H3Frames().headers(GET).build(), true, Outcome.status(200)),
        // RFC 9114 section 9: unknown frame types are ignored
        new Case("reserved frame type 0x21 before HEADERS", new H3Frames().frame(0x21, eight).headers(GET).build(), true,
            Outcome.status(200)),
        // section 4.1: a request stream starts with HEADERS; anything else is H3_FRAME_UNEXPECTED
        new Case("DATA before HEADERS", new H3Frames().data("abc").headers(GET).build(), true,
            Outcome.connectionError(H3_FRAME_UNEXPECTED)),
        // section 7.2.8: the HTTP/2 frame types reserved in HTTP/3
        new Case("HTTP/2 PRIORITY (0x2)", new H3Frames().frame(0x2, eight).build(), true, Outcome.connectionError(H3_FRAME_UNEXPECTED)),
        new Case("HTTP/2 PING (0x6)", new H3Frames().frame(0x6, eight).build(), true, Outcome.connectionError(H3_FRAME_UNEXPECTED)),
        new Case("HTTP/2 WINDOW_UPDATE (0x8)", new H3Frames().frame(0x8, new byte[4]).build(), true, Outcome.connectionError(H3_FRAME_UNEXPECTED)),
        new Case("HTTP/2 CONTINUATION (0x9)", new H3Frames().frame(0x9, eight).build(), true, Outcome.connectionError(H3_FRAME_UNEXPECTED)),
        // sections 7.2.4, 7.2.6, 7.2.7, 7.2.5: control-stream frames, and PUSH_PROMISE from a client
        new Case("SETTINGS on a request stream", new H3Frames().frame(0x4, new byte[0]).build(), true, Outcome.connectionError(H3_FRAME_UNEXPECTED)),
        new Case("GOAWAY on a request stream", new H3Frames().frame(0x7, new byte[1]).build(), true, Outcome.connectionError(H3_FRAME_UNEXPECTED)),
        new Case("MAX_PUSH_ID on a request stream", new H3Frames().frame(0xd, new byte[1]).build(), true, Outcome.connectionError(H3_FRAME_UNEXPECTED)),
        // Section 7.2.5 asks for a connection error; Netty 4.2.9's request-stream validator makes it a stream error.
        new Case("PUSH_PROMISE from a client", new H3Frames().frame(0x5, new byte[3]).build(), true, Outcome.streamError(H3_MESSAGE_ERROR)),
        // section 4.1.2: a stream that ends before a complete request head; section 7.1 would allow H3_FRAME_ERROR on
        // the connection for the cut frame, the listener ends only the stream
        new Case("HEADERS cut short by FIN", new H3Frames().header(H3Frames.HEADERS, 100, new byte[10]).build(), true,
            Outcome.streamError(H3_REQUEST_INCOMPLETE)),
        new Case("FIN before any frame", new byte[0], true, Outcome.streamError(H3_REQUEST_INCOMPLETE)),
        new Case("frame length of 2^40", new H3Frames().header(H3Frames.HEADERS, 1L << 40, new byte[10]).build(), true,
            Outcome.connectionError(H3_EXCESSIVE_LOAD)),
        // section 4.1.2: malformed requests are stream errors of type H3_MESSAGE_ERROR
        new Case("no :path", new H3Frames().headers(":method", "GET", ":scheme", "https", ":authority", "a").build(), true,
            Outcome.streamError(H3_MESSAGE_ERROR)),
        new Case("uppercase field name", new H3Frames().headers(get("X-Upper", "v")).build(), true, Outcome.streamError(H3_MESSAGE_ERROR)),
        new Case("pseudo-header after a field", new H3Frames().headers("x-a", "1", ":method", "GET", ":scheme", "https",
            ":authority", "a", ":path", "/").build(), true, Outcome.streamError(H3_MESSAGE_ERROR)),
        new Case("unknown pseudo-header", new H3Frames().headers(get(":foo", "bar")).build(), true, Outcome.streamError(H3_MESSAGE_ERROR)),
        new Case("pseudo-header twice", new H3Frames().headers(get(":path", "/other")).build(), true, Outcome.streamError(H3_MESSAGE_ERROR)),
        new Case("content-length above the body", new H3Frames().headers(":method", "POST", ":scheme", "https", ":authority", "a",
            ":path", "/api/x", "content-length", "10").data("12345").build(), true, Outcome.streamError(H3_MESSAGE_ERROR)),
        new Case("content-length below the body", new H3Frames().headers(":method", "POST", ":scheme", "https", ":authority", "a",
            ":path", "/api/x", "content-length", "2").data("12345").build(), true, Outcome.streamError(H3_MESSAGE_ERROR)),
        // section 4.2: connection-specific fields are malformed; the gateway answers them 400 as it does on h2
        new Case("transfer-encoding field", new H3Frames().headers(get("transfer-encoding", "chunked")).build(), true, Outcome.status(400)),
        new Case("te other than trailers", new H3Frames().headers(get("te", "gzip")).build(), true, Outcome.streamError(H3_MESSAGE_ERROR)),
        new Case("control character in a value", new H3Frames().headers(get("x-a", "a\u0001b")).build(), true,
            Outcome.streamError(H3_MESSAGE_ERROR)),
        // RFC 9204 section 2.2.1: a reference into a dynamic table the server never allowed
        new Case("QPACK dynamic table reference", new H3Frames().frame(H3Frames.HEADERS, new byte[] {0x02, 0x00, (byte) 0x80}).build(),
            true, Outcome.connectionError(QPACK_DECOMPRESSION_FAILED)),
        // RFC 9114 section 4.2.2: larger than the SETTINGS_MAX_FIELD_SECTION_SIZE the server announced (8 KiB here)
        new Case("field section over the announced limit", new H3Frames().headers(get("x-big", "a".repeat(20_000))).build(), true,
            Outcome.connectionError(H3_EXCESSIVE_LOAD)));
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/hang")) return; // holds its stream until the client leaves
      req.body().onSuccess(b -> req.response().end("{\"bytes\":" + b.length() + "}"));
    }).listen(0, "127.0.0.1").await();
    // The malformed-input table and the stream limits run on a BFF without a connection limit, the connection limit
    // on one of its own: a closed QUIC connection holds its slot while it drains (three PTOs), so sharing one limit
    // made the tests depend on each other's timing.
    bff = start(0);
    limited = start(LIMIT);
  }

  private static Bff.RunningBff start(int maxConnections) throws Exception {
    ServerConfig server = new ServerConfig("127.0.0.1", 0, 1, Duration.ofSeconds(1), Duration.ofSeconds(30), 4 << 20, 8192);
    ClientBundle b = TestBundles.bundle(server, Duration.ofSeconds(5), Map.of("up", TestBundles.service("up", upstream.actualPort())),
        List.of(new ProxyRouteConfig("/api/", "up", "/api", Set.of())), "type Query { ping: String }", Map.of());
    // Small windows and few streams, so the limits show with small requests.
    Http3Config h3 = new Http3Config(true, 0, STREAMS, IDLE, 64 * 1024, 16 * 1024, Duration.ofHours(24), null);
    return H3Bffs.start(vertx, dir.resolve("bff-" + maxConnections), b, h3, cfg -> cfg.withLimits(
        new LimitsConfig(8192, Duration.ofSeconds(60), maxConnections, LimitsConfig.Graphql.defaults())));
  }

  /** The connections a BFF counts against limits.maxConnections (its {@code bff_server_connections} gauge). */
  static int open(Bff.RunningBff b) {
    return (int) b.observability().metrics().registry().get("bff.server.connections").gauge().value();
  }

  /** Waits until {@code b} counts {@code n} open connections; returns how long that took, in ms. */
  static long awaitOpen(Bff.RunningBff b, int n, Duration within) throws InterruptedException {
    long t0 = System.nanoTime();
    long deadline = t0 + within.toNanos();
    while (open(b) != n) {
      assertTrue(System.nanoTime() < deadline, "the BFF counts " + open(b) + " open connections, not " + n + ", after " + within);
      Thread.sleep(10);
    }
    return (System.nanoTime() - t0) / 1_000_000;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedInputGetsAQuickError(Case c) throws Exception {
    try (H3Client client = new H3Client(bff.port())) {
      long t0 = System.nanoTime();
      H3Client.Answer a = client.raw(c.bytes(), c.fin()).get(5, TimeUnit.SECONDS);
      Outcome got;
      if (a.status() > 0) {
        got = Outcome.status(a.status());
      } else {
        QuicConnectionCloseEvent closed = null;
        try {
          closed = client.closeEvent().get(a.resetCode() >= 0 ? 50 : 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException stillOpen) {
          // a stream error: the connection stays
        }
        got = closed != null ? Outcome.connectionError(closed.error()) : Outcome.streamError(a.resetCode());
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(c.expected(), got, c.name());
      assertTrue(ms < 1000, c.name() + ": answered in " + ms + " ms");
    }
    // The listener serves the next connection.
    try (H3Client next = new H3Client(bff.port())) {
      assertEquals(200, next.get("/healthz").status());
    }
  }

  @Test
  void theLimitsAreWhatTheServerAnnounces() throws Exception {
    try (H3Client client = new H3Client(bff.port())) {
      QuicTransportParameters p = client.quic().peerTransportParameters();
      assertEquals(STREAMS, p.initialMaxStreamsBidi(), "concurrent request streams");
      assertEquals(64 * 1024, p.initialMaxData(), "the connection's flow-control window");
      assertEquals(16 * 1024, p.initialMaxStreamDataBidiRemote(), "a request stream's window");
      assertEquals(IDLE.toMillis(), p.maxIdleTimeout(), "idle timeout");
    }
  }

  @Test
  void concurrentStreamsAreCappedAndCreditReturnsWhenOneEnds() throws Exception {
    try (H3Client client = new H3Client(bff.port())) {
      List<QuicStreamChannel> open = new ArrayList<>();
      for (int i = 0; i < STREAMS; i++) {
        CompletableFuture<H3Client.Answer> a = client.open(s -> {
          open.add(s);
          DefaultHttp3HeadersFrame h = new DefaultHttp3HeadersFrame();
          h.headers().method("GET").path("/api/hang").scheme("https").authority("127.0.0.1");
          s.writeAndFlush(h);
        });
        assertTrue(!a.isDone());
      }
      assertEquals(0, client.quic().peerAllowedStreams(QuicStreamType.BIDIRECTIONAL), "no credit for a ninth stream");
      open.get(0).shutdown(0x10c).sync(); // H3_REQUEST_CANCELLED
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (client.quic().peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
        client.quic().eventLoop().submit(() -> client.quic().flush()).sync(); // let the client see MAX_STREAMS
      }
      assertTrue(client.quic().peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) > 0, "the ended stream's credit comes back");
    }
  }

  @Test
  void aBodyLargerThanBothWindowsFlowsAsThePipelineReadsIt() throws Exception {
    try (H3Client client = new H3Client(bff.port())) {
      byte[] body = new byte[1 << 20]; // 16 stream windows, 16 connection windows
      H3Client.Answer a = client.send("POST", "/api/upload", Map.of(), body).get(20, TimeUnit.SECONDS);
      assertEquals(200, a.status(), a.text());
      assertEquals("{\"bytes\":1048576}", a.text());
    }
  }

  /**
   * quiche drops an idle connection silently (RFC 9000 section 10.1), so the client, whose own timer is 60 s, is not
   * told; the server's side shows in its count and in limits.maxConnections: three idle connections hold every slot
   * until the idle timeout, then three new ones are served.
   */
  @Test
  void idleConnectionsAreReapedAfterTheIdleTimeout() throws Exception {
    awaitOpen(limited, 0, Duration.ofSeconds(10)); // what earlier tests closed has drained
    List<H3Client> idle = new ArrayList<>();
    List<H3Client> next = new ArrayList<>();
    try {
      for (int i = 0; i < LIMIT; i++) {
        idle.add(new H3Client(limited.port()));
        assertEquals(200, idle.get(i).get("/healthz").status());
      }
      long lastUse = System.nanoTime();
      awaitOpen(limited, LIMIT, Duration.ofSeconds(2));
      try (H3Client over = new H3Client(limited.port())) {
        assertEquals(0x100, over.closeEvent().get(2, TimeUnit.SECONDS).error(), "every slot is held");
      }
      awaitOpen(limited, 0, IDLE.plusSeconds(5));
      long idleMs = (System.nanoTime() - lastUse) / 1_000_000;
      assertTrue(idleMs >= IDLE.toMillis() - 50, "reaped after " + idleMs + " ms idle, before the idle timeout of " + IDLE);
      for (int i = 0; i < LIMIT; i++) {
        next.add(new H3Client(limited.port()));
        assertEquals(200, next.get(i).get("/healthz").status());
      }
      assertEquals(LIMIT, open(limited), "a freed slot serves a new connection");
      for (H3Client c : next) assertTrue(!c.closeEvent().isDone(), "a freed slot serves a new connection");
    } finally {
      idle.forEach(H3Client::close);
      next.forEach(H3Client::close);
    }
  }

  @Test
  void connectionsBeyondLimitsMaxConnectionsAreClosed() throws Exception {
    awaitOpen(limited, 0, Duration.ofSeconds(10));
    List<H3Client> kept = new ArrayList<>();
    try {
      for (int i = 0; i < LIMIT; i++) {
        H3Client c = new H3Client(limited.port());
        kept.add(c);
        assertEquals(200, c.get("/healthz").status());
      }
      try (H3Client over = new H3Client(limited.port())) {
        QuicConnectionCloseEvent e = over.closeEvent().get(2, TimeUnit.SECONDS);
        assertTrue(e.isApplicationClose(), e.toString());
        assertEquals(0x100, e.error(), "H3_NO_ERROR");
      }
      assertEquals(200, kept.get(0).get("/healthz").status(), "the connections within the limit are served");
    } finally {
      kept.forEach(H3Client::close);
    }
    awaitOpen(limited, 0, Duration.ofSeconds(10)); // a closed connection gives its slot back
  }
}
