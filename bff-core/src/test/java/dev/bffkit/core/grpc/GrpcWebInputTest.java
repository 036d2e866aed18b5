package dev.bffkit.core.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.GrpcConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.config.SourceFile;
import dev.bffkit.schemas.interop.v1.EchoReply;
import dev.bffkit.schemas.interop.v1.EchoRequest;
import io.grpc.Metadata;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, class 2 for gRPC-Web and the gRPC bridges: every malformed input is answered within a
 * second with the gRPC status the spec gives, the grpc-java service records no call, and the
 * service's breaker stays closed. Requests go over a raw HTTP/1.1 socket so that nothing in a
 * client library repairs them. Also: metadata values with control characters (forwarded headers
 * on both bridges, and {@code @grpc(metadata:)} templated from arguments) are refused before any
 * call, and a gRPC-Web answer carries exactly one {@code x-request-id}.
 */
class GrpcWebInputTest {
  static final String ECHO = "/" + InteropServer.SERVICE + "/Echo";
  static final String SCHEMA = """
      type Query {
        tagged(q: String): String @grpc(service: "interop", method: "bffkit.interop.v1.Interop/Echo",
                                        request: "{\\"id\\": \\"t\\"}", select: "request.id", metadata: ["x-q: {args.q}"])
      }
      """;
  static final int MAX = 64 * 1024;
  static Vertx vertx;
  static InteropServer grpc;
  static Bff.RunningBff bff;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    grpc = new InteropServer();
    GrpcConfig.Pos pos = new GrpcConfig.Pos("bff.yaml", 1, "grpc");
    GrpcConfig g = new GrpcConfig(List.of(new GrpcConfig.Entry("classpath:grpc/bffkit-services.desc", pos)), MAX,
        Set.of("interop"), List.of(new GrpcConfig.Expose("interop", InteropServer.SERVICE, "", pos)),
        List.of(new GrpcConfig.Expose("interop", InteropServer.SERVICE, "", pos)));
    Map<String, ServiceConfig> services = Map.of("interop", TestBundles.service("interop", grpc.port()));
    CompositionConfig comp = new CompositionConfig(Duration.ofMillis(1500), true, "/graphql", "/v1/screens", 100);
    BffConfig cfg = new BffConfig("test", TestBundles.server(Duration.ofSeconds(2)), comp, services, List.of(), g);
    bff = Bff.start(vertx, new ClientBundle(cfg, new SourceFile("schema.graphqls", SCHEMA), List.of())).await();
    // one call first, so that class loading on a busy machine is not timed as an answer
    assertEquals("0", raw(head(ECHO, BINARY, GOOD.length), GOOD, false).grpcStatus());
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    grpc.close();
  }

  // ------------------------------------------------------------------ a raw HTTP/1.1 client

  record Answer(int status, Map<String, List<String>> headers, byte[] body, long millis, boolean closed) {
    String header(String name) {
      List<String> all = headers.get(name);
      return all == null ? null : all.get(0);
    }

    /** grpc-status from a trailers-only answer's headers or from the trailer frame. */
    String grpcStatus() {
      String h = header("grpc-status");
      if (h != null) return h;
      byte[] frames = body;
      String type = header("content-type");
      if (type != null && type.contains("text")) frames = decodeChunks(new String(body, StandardCharsets.US_ASCII));
      return GrpcHttpBridgeTest.frames(Buffer.buffer(frames)).trailers().get("grpc-status");
    }
  }

  static byte[] decodeChunks(String s) {
    return GrpcHttpBridgeTest.decodeConcatenatedBase64(s);
  }

  /** Sends a head (and body bytes, maybe fewer than declared) and reads the answer; {@code closed}: the server closed after it. */
  static Answer raw(String head, byte[] body, boolean keepOpen) throws IOException {
    long t0 = System.nanoTime();
    try (Socket s = new Socket("127.0.0.1", bff.port())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      if (body != null) out.write(body);
      out.flush();
      InputStream in = s.getInputStream();
      Answer a = read(in, t0);
      boolean closed = false;
      if (keepOpen) {
        s.setSoTimeout(1500);
        try {
          closed = in.read() < 0;
        } catch (SocketTimeoutException | SocketException stillOpen) {
          closed = stillOpen instanceof SocketException;
        }
      }
      return new Answer(a.status, a.headers, a.body, a.millis, closed);
    }
  }

  private static Answer read(InputStream in, long t0) throws IOException {
    String statusLine = line(in);
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String l = line(in); !l.isEmpty(); l = line(in)) {
      int colon = l.indexOf(':');
      headers.computeIfAbsent(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(l.substring(colon + 1).trim());
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (headers.containsKey("content-length")) {
      int n = Integer.parseInt(headers.get("content-length").get(0));
      body.write(in.readNBytes(n));
    } else if ("chunked".equalsIgnoreCase(String.join(",", headers.getOrDefault("transfer-encoding", List.of())))) {
      for (int n = Integer.parseInt(line(in).trim(), 16); n > 0; n = Integer.parseInt(line(in).trim(), 16)) {
        body.write(in.readNBytes(n));
        line(in);
      }
      line(in);
    }
    return new Answer(status, headers, body.toByteArray(), (System.nanoTime() - t0) / 1_000_000, false);
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) throw new IOException("connection closed mid-line: " + sb);
      if (c != '\r') sb.append((char) c);
    }
    return sb.toString();
  }

  static String head(String path, String contentType, int length, String... extra) {
    StringBuilder sb = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if (contentType != null) sb.append("Content-Type: ").append(contentType).append("\r\n");
    sb.append("Content-Length: ").append(length).append("\r\nX-Grpc-Web: 1\r\n");
    for (String e : extra) sb.append(e).append("\r\n");
    return sb.append("\r\n").toString();
  }

  static byte[] frame(int flags, byte[] payload) {
    return ByteBuffer.allocate(5 + payload.length).put((byte) flags).putInt(payload.length).put(payload).array();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) out.writeBytes(p);
    return out.toByteArray();
  }

  static final byte[] MESSAGE = EchoRequest.newBuilder().setId("ok").build().toByteArray();
  static final byte[] GOOD = frame(0, MESSAGE);

  static byte[] text(byte[] b) {
    return Base64.getEncoder().encode(b);
  }

  // ------------------------------------------------------------------ the table

  /** One malformed (or odd but valid) request and the grpc-status it must get. */
  record Case(String name, String path, String contentType, byte[] body, String expected, String... headers) {}

  static final String BINARY = "application/grpc-web+proto";
  static final String TEXT = "application/grpc-web-text";

  static List<Case> cases() {
    byte[] huge = ByteBuffer.allocate(5).put((byte) 0).putInt(MAX + 1).array();
    byte[] allOnes = ByteBuffer.allocate(5).put((byte) 0).putInt(-1).array();
    byte[] short10 = concat(ByteBuffer.allocate(5).put((byte) 0).putInt(100).array(), new byte[10]);
    return List.of(
        // PROTOCOL-WEB.md text mode: the body must be base64
        new Case("text body that is not base64", ECHO, TEXT, "!!not base64!!".getBytes(StandardCharsets.US_ASCII), "13"),
        new Case("text body with a line break", ECHO, TEXT, concat(text(GOOD), "\r\n".getBytes()), "13"),
        new Case("text body padded mid-quantum", ECHO, TEXT, "AA=A".getBytes(StandardCharsets.US_ASCII), "13"),
        new Case("text body of one base64 character too many", ECHO, TEXT, concat(text(GOOD), "Q".getBytes()), "13"),
        new Case("text body whose frame is truncated", ECHO, TEXT, text(new byte[] {0, 0, 0}), "13"),
        // PROTOCOL-HTTP2.md: Compressed-Flag must be 0 without a Message-Encoding
        new Case("compressed flag without grpc-encoding", ECHO, BINARY, frame(1, MESSAGE), "13"),
        new Case("compressed flag with grpc-encoding identity", ECHO, BINARY, frame(1, MESSAGE), "13",
            "grpc-encoding: identity"),
        new Case("compressed flag in text mode", ECHO, TEXT, text(frame(1, MESSAGE)), "13"),
        // compression.md: an unsupported encoding is UNIMPLEMENTED
        new Case("unknown grpc-encoding", ECHO, BINARY, GOOD, "12", "grpc-encoding: br"),
        new Case("truncated frame header", ECHO, BINARY, new byte[] {0, 0, 0}, "13"),
        new Case("length over grpc.maxMessageBytes", ECHO, BINARY, huge, "8"),
        new Case("length of 2^32-1", ECHO, BINARY, allOnes, "8"),
        new Case("length larger than the body", ECHO, BINARY, short10, "13"),
        new Case("trailing bytes after the message", ECHO, BINARY, concat(GOOD, new byte[] {0, 0}), "13"),
        new Case("two messages for a unary method", ECHO, BINARY, concat(GOOD, GOOD), "13"),
        new Case("a trailer frame (0x80) from the client", ECHO, BINARY,
            frame(0x80, "grpc-status:0\r\n".getBytes(StandardCharsets.US_ASCII)), "13"),
        new Case("a trailer frame after the message", ECHO, BINARY, concat(GOOD, frame(0x80, new byte[0])), "13"),
        new Case("reserved flag bits", ECHO, BINARY, frame(0x02, MESSAGE), "13"),
        new Case("empty body", ECHO, BINARY, new byte[0], "13"),
        new Case("empty text body", ECHO, TEXT, new byte[0], "13"),
        new Case("content-type +json", ECHO, "application/grpc-web+json", GOOD, "12"),
        new Case("content-type +thrift", ECHO, "application/grpc-web-text+thrift", text(GOOD), "12"),
        // PROTOCOL-HTTP2.md: TimeoutValue is at most 8 digits, then one of H M S m u n
        new Case("grpc-timeout of 9 digits", ECHO, BINARY, GOOD, "13", "grpc-timeout: 123456789m"),
        new Case("grpc-timeout without a unit", ECHO, BINARY, GOOD, "13", "grpc-timeout: 100"),
        new Case("grpc-timeout with an unknown unit", ECHO, BINARY, GOOD, "13", "grpc-timeout: 10x"),
        new Case("grpc-timeout that is negative", ECHO, BINARY, GOOD, "13", "grpc-timeout: -1S"),
        new Case("grpc-timeout of only a unit", ECHO, BINARY, GOOD, "13", "grpc-timeout: m"),
        new Case("grpc-timeout of zero", ECHO, BINARY, GOOD, "4", "grpc-timeout: 0m"),
        // statuscodes.md: method not found is UNIMPLEMENTED
        new Case("method with an extra segment", ECHO + "/more", BINARY, GOOD, "12"),
        new Case("service without a method", "/" + InteropServer.SERVICE, BINARY, GOOD, "12"),
        new Case("empty service name", "//Echo", BINARY, GOOD, "12"),
        new Case("unknown method", "/" + InteropServer.SERVICE + "/Nope", BINARY, GOOD, "12"),
        new Case("method of a service not exposed", "/recs.v1.Recommendations/GetRecommendations", BINARY, GOOD, "12"),
        // PROTOCOL-HTTP2.md: ASCII-Value is %x20-%x7E; a forwarded header with HTAB never reaches the service
        new Case("forwarded header with a control character", ECHO, BINARY, GOOD, "3", "x-tenant: a\tb"));
  }

  @Test
  void everyMalformedRequestIsAnsweredAtOnceAndNeverCalled() throws Exception {
    List<String> failures = new ArrayList<>();
    for (Case c : cases()) {
      int before = grpc.calls.get();
      Answer a = raw(head(c.path(), c.contentType(), c.body().length, c.headers()), c.body(), false);
      String got = a.status() == 200 ? a.grpcStatus() : "HTTP " + a.status();
      if (!c.expected().equals(got)) failures.add(c.name() + ": expected grpc-status " + c.expected() + ", got " + got);
      if (a.millis() > 1000) failures.add(c.name() + ": answered after " + a.millis() + " ms");
      if (grpc.calls.get() != before) failures.add(c.name() + ": the service was called");
    }
    assertTrue(failures.isEmpty(), String.join("\n", failures));
    assertEquals("closed", bff.upstreams().get("interop").breakerState().toLowerCase(Locale.ROOT));
    // and the next well-formed request is served
    Answer ok = raw(head(ECHO, BINARY, GOOD.length), GOOD, false);
    assertEquals("0", ok.grpcStatus());
  }

  @Test
  void validContentTypeVariantsAreServed() throws Exception {
    for (String type : List.of("application/grpc-web", "application/grpc-web+proto", "Application/GRPC-Web+Proto",
        "application/grpc-web; charset=utf-8", "application/grpc-web-text", "application/grpc-web-text+proto")) {
      byte[] body = type.toLowerCase(Locale.ROOT).contains("text") ? text(GOOD) : GOOD;
      Answer a = raw(head(ECHO, type, body.length), body, false);
      assertEquals(200, a.status(), type);
      assertEquals("0", a.grpcStatus(), type);
      byte[] frames = type.contains("text") ? decodeChunks(new String(a.body(), StandardCharsets.US_ASCII)) : a.body();
      byte[] reply = GrpcHttpBridgeTest.frames(Buffer.buffer(frames)).messages().get(0);
      assertEquals("ok", EchoReply.parseFrom(reply).getRequest().getId(), type);
    }
    // concatenated padded base64 chunks are one body (PROTOCOL-WEB.md)
    byte[] split = concat(text(Arrays.copyOf(GOOD, 4)), text(Arrays.copyOfRange(GOOD, 4, GOOD.length)));
    assertEquals("0", raw(head(ECHO, TEXT, split.length), split, false).grpcStatus());
  }

  @Test
  void aStalledBodyIsCutAtTheDeadlineAndTheConnectionClosed() throws Exception {
    int before = grpc.calls.get();
    // declares 100 bytes, sends 3, then nothing: answered at the 1.5 s deadline, never at the idle timeout
    Answer a = raw(head(ECHO, BINARY, 100), new byte[] {0, 0, 0}, true);
    assertEquals("4", a.grpcStatus());
    assertTrue(a.millis() < 3000, "answered after " + a.millis() + " ms");
    assertTrue(a.closed(), "the connection with an unread body is closed");
    assertEquals(before, grpc.calls.get());
  }

  @Test
  void aRefusalBeforeTheBodyClosesTheConnection() throws Exception {
    // RESOURCE_EXHAUSTED is known from the frame header; the rest of the declared body is never read
    byte[] huge = ByteBuffer.allocate(5).put((byte) 0).putInt(MAX + 1).array();
    Answer a = raw(head(ECHO, BINARY, MAX + 6), huge, true);
    assertEquals("8", a.grpcStatus());
    assertTrue(a.millis() < 1000, a.millis() + " ms");
    assertTrue(a.closed(), "closed rather than kept reading");
    assertEquals("close", a.header("connection"));
  }

  @Test
  void grpcWebAnswersCarryOneRequestId() throws Exception {
    // the service echoes metadata into its response headers; the gateway's x-request-id must stay one
    Answer a = raw(head(ECHO, BINARY, GOOD.length, "x-echo-metadata: v", "x-request-id: client-id-1"), GOOD, false);
    assertEquals("0", a.grpcStatus());
    List<String> ids = a.headers().get("x-request-id");
    assertNotNull(ids);
    assertEquals(1, ids.size(), a.headers().toString());
    Answer refused = raw(head(ECHO, BINARY, 0), new byte[0], false);
    assertEquals(1, refused.headers().get("x-request-id").size(), refused.headers().toString());
  }

  @Test
  void transcodedRouteRefusesControlCharactersInForwardedHeaders() throws Exception {
    int before = grpc.calls.get();
    for (int i = 0; i < 15; i++) { // more than the breaker's 10 failures
      String h = "GET /v1/echo/t1 HTTP/1.1\r\nHost: 127.0.0.1\r\nx-tenant: a\tb\r\nConnection: close\r\n\r\n";
      Answer a = raw(h, null, false);
      assertEquals(400, a.status(), new String(a.body(), StandardCharsets.UTF_8));
      assertEquals("INVALID_ARGUMENT", new JsonObject(new String(a.body(), StandardCharsets.UTF_8)).getString("status"));
    }
    assertEquals(before, grpc.calls.get());
    assertEquals("closed", bff.upstreams().get("interop").breakerState().toLowerCase(Locale.ROOT));
  }

  @Test
  void templatedMetadataWithControlCharactersFailsTheFieldBeforeAnyCall() throws Exception {
    int before = grpc.calls.get();
    for (String bad : List.of("a\u0000b", "a\r\nx-injected: 1", "a\nb", "caf\u00e9")) {
      for (int i = 0; i < 4; i++) { // 16 in all: more than the breaker's 10 failures
        Answer a = graphql(bad);
        assertTrue(a.millis() < 1000, a.millis() + " ms");
        JsonObject body = new JsonObject(new String(a.body(), StandardCharsets.UTF_8));
        JsonObject ext = body.getJsonArray("errors").getJsonObject(0).getJsonObject("extensions");
        assertEquals("BAD_VALUE", ext.getString("code"), body.encode());
        assertEquals(400, ext.getInteger("status"), body.encode());
      }
    }
    assertEquals(before, grpc.calls.get(), "no call reached the service");
    assertEquals("closed", bff.upstreams().get("interop").breakerState().toLowerCase(Locale.ROOT));
    Answer a = graphql("fine");
    assertEquals("t", new JsonObject(new String(a.body(), StandardCharsets.UTF_8)).getJsonObject("data").getString("tagged"));
    assertEquals("fine", grpc.lastMetadata.get(Metadata.Key.of("x-q", Metadata.ASCII_STRING_MARSHALLER)));
  }

  /** {@code tagged(q: $q)} with {@code q} as a variable, so any character reaches the template. */
  static Answer graphql(String q) throws IOException {
    byte[] body = new JsonObject().put("query", "query($q: String) { tagged(q: $q) }")
        .put("variables", new JsonObject().put("q", q)).encode().getBytes(StandardCharsets.UTF_8);
    return raw("POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
        + body.length + "\r\nConnection: close\r\n\r\n", body, false);
  }
}
