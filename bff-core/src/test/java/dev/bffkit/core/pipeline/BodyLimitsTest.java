package dev.bffkit.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.GrpcConfig;
import dev.bffkit.core.config.LimitsConfig;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.ServerConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.config.SourceFile;
import dev.bffkit.core.grpc.InteropServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The one bounded body reader, over every route kind that reads a body: a huge chunked or
 * declared body is 413 at once and reaches no service (a streamed proxy call is reset, never
 * ended), costs the heap nothing like its size, and a body trickled slower than the limits is
 * 408 with the connection closed. Raw sockets, so nothing between the test and the listener
 * buffers or reframes the body. After each refusal a normal request on a new connection works.
 */
class BodyLimitsTest {
  private static final int LIMIT = 64 * 1024;
  private static final int TEN_MB = 10 * 1024 * 1024;

  static Vertx vertx;
  static HttpServer upstream;
  static InteropServer grpc;
  static Bff.RunningBff bff;
  /** Requests the HTTP upstream saw begin, end whole, and break off (reset or closed). */
  static final AtomicInteger started = new AtomicInteger();
  static final AtomicInteger completed = new AtomicInteger();
  static final AtomicInteger broken = new AtomicInteger();

  /** One route kind that reads a request body, with a normal request that must then work. */
  enum Kind {
    GRAPHQL("POST /graphql", "POST /graphql", "{\"query\":\"{ hello }\"}"),
    PROXY("POST /api/upload", "GET /api/ok", null),
    TRANSCODE("POST /v1/echo/big", "POST /v1/echo/ok", "{\"text\":\"hi\"}");

    final String line;
    final String normalLine;
    final String normalBody;

    Kind(String line, String normalLine, String normalBody) {
      this.line = line;
      this.normalLine = normalLine;
      this.normalBody = normalBody;
    }
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> {
      started.incrementAndGet();
      req.exceptionHandler(e -> broken.incrementAndGet());
      req.connection().closeHandler(v -> {
        if (!req.isEnded()) broken.incrementAndGet();
      });
      req.handler(b -> { });
      req.endHandler(v -> {
        completed.incrementAndGet();
        req.response().end("ok");
      });
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    grpc = new InteropServer();
    GrpcConfig.Pos pos = new GrpcConfig.Pos("bff.yaml", 1, "grpc");
    GrpcConfig g = new GrpcConfig(List.of(new GrpcConfig.Entry("classpath:grpc/bffkit-services.desc", pos)),
        GrpcConfig.DEFAULT_MAX_MESSAGE_BYTES, Set.of("interop"),
        List.of(new GrpcConfig.Expose("interop", InteropServer.SERVICE, "", pos)), List.of());
    Map<String, ServiceConfig> services = Map.of(
        "up", TestBundles.service("up", upstream.actualPort()),
        "interop", TestBundles.service("interop", grpc.port()));
    ServerConfig server = new ServerConfig("127.0.0.1", 0, 1, Duration.ofSeconds(2), Duration.ofSeconds(30), LIMIT, 8192);
    CompositionConfig comp = new CompositionConfig(Duration.ofSeconds(5), true, "/graphql", "/v1/screens", 100);
    LimitsConfig limits = new LimitsConfig(8192, Duration.ofSeconds(60), 10_000, LimitsConfig.Graphql.defaults(),
        Duration.ofSeconds(1), 1024);
    BffConfig cfg = new BffConfig("test", server, comp, services,
        List.of(new ProxyRouteConfig("/api", "up", "", Set.of())), g).withLimits(limits);
    bff = Bff.start(vertx, new ClientBundle(cfg, new SourceFile("schema.graphqls", "type Query { hello: String }"),
        List.of())).await(20, TimeUnit.SECONDS);
    for (Kind k : Kind.values()) assertNormalRequestWorks(k); // warm every path before measuring the heap
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    grpc.close();
  }

  /** What reached a service so far: the HTTP upstream's begun and whole requests, and gRPC calls. */
  private record Seen(int started, int completed, int broken, int grpcCalls) {
    static Seen now() {
      return new Seen(BodyLimitsTest.started.get(), BodyLimitsTest.completed.get(), BodyLimitsTest.broken.get(),
          grpc.callCount());
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aTenMegabyteChunkedBodyIs413QuicklyAndCostsNoHeap(Kind kind) throws Exception {
    long heapBefore = usedHeapAfterGc();
    Seen before = Seen.now();
    try (Raw raw = new Raw()) {
      long t0 = System.nanoTime();
      raw.write(head(kind.line, "Transfer-Encoding: chunked"));
      Thread writer = raw.writeInBackground(out -> {
        byte[] chunk = new byte[64 * 1024];
        Arrays.fill(chunk, (byte) 'a');
        byte[] size = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        for (int sent = 0; sent < TEN_MB; sent += chunk.length) {
          out.write(size);
          out.write(chunk);
          out.write(CRLF);
        }
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      });
      Response r = raw.read(Duration.ofSeconds(5));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertEquals(413, r.status(), r.toString());
      assertTrue(ms < 3000, "413 after " + ms + " ms");
      assertEquals("close", r.header("connection"), r.toString());
      assertTrue(r.body().contains("body_too_large"), r.body());
      assertTrue(raw.closedByServer(Duration.ofSeconds(6)), "the connection is closed after the answer");
      writer.join(10_000);
    }
    assertNothingReachedAService(kind, before);
    long growth = usedHeapAfterGc() - heapBefore;
    System.out.println("event=body_limits_heap kind=" + kind + " growth_bytes=" + growth);
    assertTrue(growth < 3 * 1024 * 1024, "heap grew by " + growth + " bytes for a 10 MB body");
    assertNormalRequestWorks(kind);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aDeclaredLengthOverTheLimitIs413BeforeAnyService(Kind kind) throws Exception {
    Seen before = Seen.now();
    try (Raw raw = new Raw()) {
      long t0 = System.nanoTime();
      raw.write(head(kind.line, "Content-Length: " + TEN_MB));
      Thread writer = raw.writeInBackground(out -> {
        byte[] chunk = new byte[64 * 1024];
        for (int sent = 0; sent < TEN_MB; sent += chunk.length) out.write(chunk);
      });
      Response r = raw.read(Duration.ofSeconds(5));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertEquals(413, r.status(), r.toString());
      assertTrue(ms < 3000, "413 after " + ms + " ms");
      assertEquals("close", r.header("connection"), r.toString());
      assertTrue(raw.closedByServer(Duration.ofSeconds(6)), "the connection is closed after the answer");
      writer.join(10_000);
    }
    Seen after = Seen.now();
    assertEquals(before.started(), after.started(), "a declared oversize body never reaches the upstream");
    assertEquals(before.grpcCalls(), after.grpcCalls(), "a declared oversize body never reaches gRPC");
    assertNormalRequestWorks(kind);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aTrickledBodyIs408AndTheConnectionCloses(Kind kind) throws Exception {
    Seen before = Seen.now();
    try (Raw raw = new Raw()) {
      long t0 = System.nanoTime();
      raw.write(head(kind.line, "Content-Length: 100"));
      Thread writer = raw.writeInBackground(out -> {
        for (int i = 0; i < 100; i++) {
          out.write('{');
          out.flush();
          Thread.sleep(300);
        }
      });
      Response r = raw.read(Duration.ofSeconds(6));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertEquals(408, r.status(), r.toString());
      assertTrue(ms >= 900 && ms < 5000, "408 after " + ms + " ms with limits.bodyTimeout 1s");
      assertTrue(r.body().contains("body_timeout"), r.body());
      assertEquals("close", r.header("connection"), r.toString());
      assertTrue(raw.closedByServer(Duration.ofSeconds(3)), "the connection is closed after the 408");
      writer.interrupt();
      writer.join(10_000);
    }
    assertNothingReachedAService(kind, before);
    assertNormalRequestWorks(kind);
  }

  /**
   * A client's oversize body is its own fault: however many a proxy route refuses, the service's
   * endpoint is not ejected, its breaker stays closed and its bulkhead holds no call.
   */
  @Test
  void refusedProxyBodiesCountAgainstNoService() throws Exception {
    for (int i = 0; i < 12; i++) {
      try (Raw raw = new Raw()) {
        raw.write(head(Kind.PROXY.line, "Transfer-Encoding: chunked"));
        byte[] chunk = new byte[LIMIT];
        raw.write(("" + Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        raw.write(chunk);
        raw.write(("\r\n" + Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        raw.write(chunk);
        raw.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(413, raw.read(Duration.ofSeconds(5)).status());
      }
    }
    await(() -> bff.upstreams().snapshot().getJsonObject("up").getInteger("inFlight") == 0 ? 1 : 0, 1,
        "no call left in the bulkhead");
    JsonObject up = bff.upstreams().snapshot().getJsonObject("up");
    assertTrue(!"open".equals(up.getString("breaker")), up::encode);
    assertEquals(false, up.getJsonArray("endpoints").getJsonObject(0).getBoolean("ejected"), up::encode);
    assertNormalRequestWorks(Kind.PROXY);
  }

  /** No service saw a whole request; a streamed proxy call may have begun, then must have been cut. */
  private static void assertNothingReachedAService(Kind kind, Seen before) throws InterruptedException {
    Seen after = Seen.now();
    assertEquals(before.completed(), after.completed(), "the upstream never sees a whole body");
    assertEquals(before.grpcCalls(), after.grpcCalls(), "no gRPC call for a refused body");
    int begun = after.started() - before.started();
    if (kind == Kind.PROXY) {
      assertTrue(begun <= 1, "begun: " + begun);
      if (begun == 1) await(() -> Seen.now().broken() - before.broken(), 1, "the streamed upstream call is reset");
    } else {
      assertEquals(0, begun, "a body read whole reaches no service when refused");
    }
    assertEquals(before.completed(), Seen.now().completed(), "still no whole request upstream");
  }

  private static void await(IntSupplier value, int atLeast, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (value.getAsInt() < atLeast && System.nanoTime() < end) Thread.sleep(20);
    assertTrue(value.getAsInt() >= atLeast, what);
  }

  private static void assertNormalRequestWorks(Kind kind) throws Exception {
    try (Raw raw = new Raw()) {
      byte[] body = kind.normalBody == null ? new byte[0] : kind.normalBody.getBytes(StandardCharsets.UTF_8);
      raw.write(head(kind.normalLine, "Content-Length: " + body.length));
      raw.write(body);
      Response r = raw.read(Duration.ofSeconds(10));
      assertEquals(200, r.status(), () -> kind + " after a refusal: " + r);
    }
  }

  private static byte[] head(String requestLine, String framing) {
    return (requestLine + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + framing + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static final byte[] CRLF = {'\r', '\n'};

  private static long usedHeapAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
      used = Math.min(used, rt.totalMemory() - rt.freeMemory());
    }
    return used;
  }

  record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  interface Body {
    void write(OutputStream out) throws Exception;
  }

  /** A bare HTTP/1.1 client connection. */
  static final class Raw implements AutoCloseable {
    private final Socket socket = new Socket("127.0.0.1", bff.port());
    private final InputStream in;
    private final OutputStream out;

    Raw() throws IOException {
      socket.setTcpNoDelay(true);
      in = socket.getInputStream();
      out = socket.getOutputStream();
    }

    void write(byte[] bytes) throws IOException {
      out.write(bytes);
      out.flush();
    }

    /** Writes the body from another thread; the server may stop reading or close, which ends it. */
    Thread writeInBackground(Body body) {
      Thread t = new Thread(() -> {
        try {
          body.write(out);
          out.flush();
        } catch (Exception expected) {
          // refused: the server closed or reset the connection, or the test interrupted us
        }
      }, "body-writer");
      t.setDaemon(true);
      t.start();
      return t;
    }

    /** One response: status line, headers, and a Content-Length body. */
    Response read(Duration timeout) throws IOException {
      socket.setSoTimeout((int) timeout.toMillis());
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int matched = 0;
      while (matched < 4) {
        int b = in.read();
        if (b < 0) throw new IOException("closed before a full response head: " + head);
        head.write(b);
        matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      Map<String, String> headers = new HashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
      }
      int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
      byte[] body = in.readNBytes(length);
      return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    /** True when the server closes the connection (EOF) within {@code timeout}, sending nothing more. */
    boolean closedByServer(Duration timeout) throws IOException {
      socket.setSoTimeout((int) timeout.toMillis());
      try {
        return in.read() == -1;
      } catch (SocketTimeoutException stillOpen) {
        return false;
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
