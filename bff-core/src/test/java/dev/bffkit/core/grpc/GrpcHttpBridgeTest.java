package dev.bffkit.core.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.GrpcConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.config.SourceFile;
import dev.bffkit.core.TestBundles;
import dev.bffkit.schemas.interop.v1.EchoReply;
import dev.bffkit.schemas.interop.v1.EchoRequest;
import dev.bffkit.schemas.interop.v1.StreamRequest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real BFF in front of the grpc-java interop server: REST → gRPC transcoding by the methods'
 * google.api.http rules, and the gRPC-Web bridge (binary and text), round trips included.
 */
class GrpcHttpBridgeTest {
  static Vertx vertx;
  static InteropServer grpc;
  static Bff.RunningBff bff;
  static HttpClient client;
  static OnLoop loop;

  /** The interop service as gRPC, transcoded to REST and bridged for gRPC-Web. */
  static GrpcConfig interopBridged() {
    GrpcConfig.Pos pos = new GrpcConfig.Pos("bff.yaml", 1, "grpc");
    return new GrpcConfig(List.of(new GrpcConfig.Entry("classpath:grpc/bffkit-services.desc", pos)),
        GrpcConfig.DEFAULT_MAX_MESSAGE_BYTES, Set.of("interop"),
        List.of(new GrpcConfig.Expose("interop", InteropServer.SERVICE, "", pos)),
        List.of(new GrpcConfig.Expose("interop", InteropServer.SERVICE, "", pos)));
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    grpc = new InteropServer();
    GrpcConfig g = GrpcHttpBridgeTest.interopBridged();
    Map<String, ServiceConfig> services = Map.of("interop", TestBundles.service("interop", grpc.port()));
    CompositionConfig comp = new CompositionConfig(Duration.ofMillis(1500), true, "/graphql", "/v1/screens", 100);
    BffConfig cfg = new BffConfig("test", TestBundles.server(Duration.ofSeconds(2)), comp, services, List.of(), g);
    bff = Bff.start(vertx, new ClientBundle(cfg, new SourceFile("schema.graphqls", "type Query { ping: String }"),
        List.of())).await();
    client = vertx.createHttpClient();
    loop = new OnLoop(vertx.getOrCreateContext());
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    grpc.close();
  }

  record Answer(HttpClientResponse resp, Buffer body) {
    int status() { return resp.statusCode(); }
    JsonObject json() { return new JsonObject(body); }
  }

  static Answer send(HttpMethod method, String uri, Map<String, String> headers, Buffer body) throws Exception {
    RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(bff.port()).setURI(uri);
    headers.forEach(o::putHeader);
    return loop.run(() -> client.request(o)
            .compose(r -> body == null ? r.send() : r.send(body))
            .compose(resp -> resp.body().map(b -> new Answer(resp, b))))
        .await(10, TimeUnit.SECONDS);
  }

  static Answer get(String uri) throws Exception {
    return send(HttpMethod.GET, uri, Map.of(), null);
  }

  @Test
  void getMapsPathAndQueryParametersIntoTheRequest() throws Exception {
    Answer a = send(HttpMethod.GET, "/v1/echo/a%2Fb?big=9007199254740993&color=RED&tags=x&tags=y&at=2026-01-02T03:04:05Z"
        + "&meta.nope=1".substring(0, 0), Map.of("x-tenant", "t1"), null);
    assertEquals(200, a.status(), a.body().toString());
    assertEquals("application/json", a.resp().getHeader("content-type"));
    JsonObject req = a.json().getJsonObject("request");
    assertEquals("a/b", req.getString("id"));
    assertEquals("9007199254740993", req.getString("big"));
    assertEquals("RED", req.getString("color"));
    assertEquals(new JsonArray().add("x").add("y"), req.getJsonArray("tags"));
    assertEquals("2026-01-02T03:04:05Z", req.getString("at"));
    assertEquals("t1", a.json().getJsonObject("metadata").getString("x-tenant"));
    assertEquals("within-3s", a.json().getJsonObject("metadata").getString("deadline"));
  }

  @Test
  void postWithBodyStarAndPathWinning() throws Exception {
    Answer a = send(HttpMethod.POST, "/v1/echo/p1", Map.of("content-type", "application/json"),
        Buffer.buffer("{\"id\": \"ignored\", \"text\": \"hi\", \"counts\": {\"k\": \"5\"}}"));
    assertEquals(200, a.status(), a.body().toString());
    JsonObject req = a.json().getJsonObject("request");
    assertEquals("p1", req.getString("id"));
    assertEquals("hi", req.getString("text"));
    assertEquals(new JsonObject().put("k", "5"), req.getJsonObject("counts"));
  }

  @Test
  void putWithBodyFieldAndQuery() throws Exception {
    Answer a = send(HttpMethod.PUT, "/v1/items/i9?note=fragile", Map.of(), Buffer.buffer("{\"name\": \"box\", \"qty\": 2}"));
    assertEquals(200, a.status(), a.body().toString());
    JsonObject req = a.json().getJsonObject("request");
    assertEquals("i9", req.getString("id"));
    assertEquals("boxx2", req.getString("text"));
    assertEquals("fragile", req.getString("filter"));
  }

  @Test
  void badRequestsAndUnknownRoutes() throws Exception {
    Answer bad = get("/v1/echo/x?nope=1");
    assertEquals(400, bad.status());
    assertEquals("INVALID_ARGUMENT", bad.json().getString("status"));
    assertEquals(3, bad.json().getInteger("code"));
    Answer method = send(HttpMethod.DELETE, "/v1/echo/x", Map.of(), null);
    assertEquals(405, method.status());
    assertEquals(404, get("/v1/nothing/here").status());
  }

  @Test
  void everyStatusMapsToItsHttpStatusWithTheMessage() throws Exception {
    int[] expected = {200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401};
    for (int code = 1; code <= 16; code++) {
      Answer a = get("/v1/fail/" + code + "?message=" + "why%20" + code);
      assertEquals(expected[code], a.status(), "code " + code);
      JsonObject body = a.json();
      assertEquals(code, body.getInteger("code"));
      assertEquals(GrpcStatuses.name(code), body.getString("status"));
      assertEquals("why " + code, body.getString("message"));
    }
  }

  @Test
  void deadlineExceededIs504() throws Exception {
    Answer a = get("/v1/slow/5000");
    assertEquals(504, a.status(), a.body().toString());
    assertEquals("DEADLINE_EXCEEDED", a.json().getString("status"));
  }

  @Test
  void serverStreamingAsJsonArrayOrNdjson() throws Exception {
    Answer arr = get("/v1/stream/3");
    assertEquals(200, arr.status());
    JsonArray items = new JsonArray(arr.body());
    assertEquals(3, items.size());
    assertEquals(3, items.getJsonObject(2).getInteger("seq"));
    Answer nd = send(HttpMethod.GET, "/v1/stream/3", Map.of("accept", "application/x-ndjson"), null);
    assertEquals("application/x-ndjson", nd.resp().getHeader("content-type"));
    String[] lines = nd.body().toString().split("\n");
    assertEquals(3, lines.length);
    assertEquals(2, new JsonObject(lines[1]).getInteger("seq"));
    Answer cut = send(HttpMethod.GET, "/v1/stream/5?fail_after=2", Map.of("accept", "application/x-ndjson"), null);
    String[] cutLines = cut.body().toString().split("\n");
    assertEquals(3, cutLines.length);
    assertEquals("RESOURCE_EXHAUSTED", new JsonObject(cutLines[2]).getJsonObject("error").getString("status"));
    Answer cutArray = get("/v1/stream/5?failAfter=2");
    assertEquals(429, cutArray.status());
  }

  // ------------------------------------------------------------------ gRPC-Web

  static Buffer frame(byte[] message) {
    return Buffer.buffer().appendByte((byte) 0).appendInt(message.length).appendBytes(message);
  }

  /** Data frames' payloads, and the trailers of the trailer frame. */
  record Frames(List<byte[]> messages, Map<String, String> trailers) {}

  static Frames frames(Buffer body) {
    List<byte[]> messages = new ArrayList<>();
    Map<String, String> trailers = new java.util.HashMap<>();
    int at = 0;
    while (at < body.length()) {
      byte flags = body.getByte(at);
      int len = body.getInt(at + 1);
      byte[] payload = body.getBytes(at + 5, at + 5 + len);
      if ((flags & 0x80) != 0) {
        for (String line : new String(payload, java.nio.charset.StandardCharsets.UTF_8).split("\r\n")) {
          int colon = line.indexOf(':');
          if (colon > 0) trailers.put(line.substring(0, colon).trim().toLowerCase(), line.substring(colon + 1).trim());
        }
      } else {
        messages.add(payload);
      }
      at += 5 + len;
    }
    return new Frames(messages, trailers);
  }

  static Map<String, String> web(String type) {
    return Map.of("content-type", type, "x-grpc-web", "1", "x-tenant", "w1");
  }

  @Test
  void grpcWebUnaryRoundTrip() throws Exception {
    byte[] req = EchoRequest.newBuilder().setId("web-1").setBig(Long.MAX_VALUE).build().toByteArray();
    Answer a = send(HttpMethod.POST, "/" + InteropServer.SERVICE + "/Echo", web("application/grpc-web+proto"), frame(req));
    assertEquals(200, a.status());
    assertTrue(a.resp().getHeader("content-type").startsWith("application/grpc-web"));
    Frames f = frames(a.body());
    assertEquals("0", f.trailers().get("grpc-status"), f.trailers().toString());
    EchoReply reply = EchoReply.parseFrom(f.messages().get(0));
    assertEquals("web-1", reply.getRequest().getId());
    assertEquals(Long.MAX_VALUE, reply.getRequest().getBig());
    assertEquals("w1", reply.getMetadataMap().get("x-tenant"));
  }

  @Test
  void grpcWebTextStreamingRoundTrip() throws Exception {
    byte[] req = StreamRequest.newBuilder().setCount(3).build().toByteArray();
    Buffer body = Buffer.buffer(Base64.getEncoder().encode(frame(req).getBytes()));
    Answer a = send(HttpMethod.POST, "/" + InteropServer.SERVICE + "/Stream", web("application/grpc-web-text"), body);
    assertEquals(200, a.status());
    Frames f = frames(Buffer.buffer(decodeConcatenatedBase64(a.body().toString())));
    assertEquals("0", f.trailers().get("grpc-status"));
    assertEquals(3, f.messages().size());
    assertEquals(3, EchoReply.parseFrom(f.messages().get(2)).getSeq());
  }

  /** gRPC-Web text bodies may be several base64 chunks, each padded. */
  static byte[] decodeConcatenatedBase64(String s) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '=' && (i + 1 == s.length() || s.charAt(i + 1) != '=')) {
        out.writeBytes(Base64.getDecoder().decode(s.substring(start, i + 1)));
        start = i + 1;
      }
    }
    if (start < s.length()) out.writeBytes(Base64.getDecoder().decode(s.substring(start)));
    return out.toByteArray();
  }

  @Test
  void grpcWebClientTimeoutShortensTheDeadline() throws Exception {
    byte[] req = dev.bffkit.schemas.interop.v1.SlowRequest.newBuilder().setDelayMs(3000).build().toByteArray();
    Map<String, String> headers = new java.util.HashMap<>(web("application/grpc-web+proto"));
    headers.put("grpc-timeout", "100m");
    long t0 = System.nanoTime();
    Answer a = send(HttpMethod.POST, "/" + InteropServer.SERVICE + "/Slow", headers, frame(req));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    String status = frames(a.body()).trailers().getOrDefault("grpc-status", a.resp().getHeader("grpc-status"));
    assertEquals("4", status, "DEADLINE_EXCEEDED");
    assertTrue(ms < 1000, "answered at the browser's 100 ms, not the BFF's 1.5 s deadline: " + ms + " ms");
  }

  @Test
  void grpcWebStatusesAndUnknownMethods() throws Exception {
    byte[] req = dev.bffkit.schemas.interop.v1.FailRequest.newBuilder().setCode(7).setMessage("no").build().toByteArray();
    Answer a = send(HttpMethod.POST, "/" + InteropServer.SERVICE + "/Fail", web("application/grpc-web+proto"), frame(req));
    Frames f = frames(a.body());
    String status = f.trailers().getOrDefault("grpc-status", a.resp().getHeader("grpc-status"));
    assertEquals("7", status);
    Answer unknown = send(HttpMethod.POST, "/recs.v1.Recommendations/GetRecommendations", web("application/grpc-web+proto"),
        frame(new byte[0]));
    String st = frames(unknown.body()).trailers().getOrDefault("grpc-status", unknown.resp().getHeader("grpc-status"));
    assertEquals("12", st);
  }
}
