package dev.bffkit.core.server.h3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.Http3Config;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.ServerConfig;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The FIN of every answer rides in the STREAM frame of its last HTTP/3 frame, never in an empty frame of its own:
 * the quiche Netty bundles does not resend a lost FIN-only frame, and the stream then hangs until the idle timeout
 * ({@link FinWithLastFrame}). Read from the client's qlog: each request stream's frames as received.
 */
class Http3FinTest {
  @TempDir static Path dir;
  static Vertx vertx;
  static HttpServer upstream;
  static Bff.RunningBff bff;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> {
      HttpServerResponse r = req.response();
      switch (req.path()) {
        case "/fixed" -> r.end("x".repeat(3000)); // a Content-Length and one write
        case "/chunked" -> { // written in parts, some time apart: the end comes after the last part
          r.setChunked(true).write("a".repeat(2000));
          vertx.setTimer(20, t -> r.write("b".repeat(2000)));
          vertx.setTimer(40, t -> r.end());
        }
        case "/empty" -> r.setStatusCode(204).end();
        default -> r.setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").await();
    ServerConfig server = new ServerConfig("127.0.0.1", 0, 1, Duration.ofSeconds(1), Duration.ofSeconds(30), 4 << 20, 8192);
    ClientBundle b = TestBundles.bundle(server, Duration.ofSeconds(5), Map.of("up", TestBundles.service("up", upstream.actualPort())),
        List.of(new ProxyRouteConfig("/api/", "up", "/api", Set.of())), "type Query { ping: String }", Map.of());
    bff = H3Bffs.start(vertx, dir, b, Http3Config.off().withEnabled(true)
        .withQlogDir(Files.createDirectories(dir.resolve("server-qlog")).toString()));
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static Stream<Arguments> answers() {
    return Stream.of(
        Arguments.of("GET", "/api/fixed", 200, 3000),
        Arguments.of("GET", "/api/chunked", 200, 4000),
        Arguments.of("GET", "/api/empty", 204, 0),
        Arguments.of("HEAD", "/api/fixed", 200, 0),
        Arguments.of("GET", "/api/nowhere", 404, 0),
        Arguments.of("GET", "/healthz", 200, -1), // answered by the gateway itself
        Arguments.of("POST", "/v1/screens/none", 405, -1)); // an error the gateway writes
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("answers")
  void theFinRidesWithTheLastFrame(String method, String path, int status, int bytes) throws Exception {
    Path qlog = Files.createTempDirectory(dir, "qlog");
    try (H3Client client = new H3Client(bff.port(), 10_000_000, 1_000_000, qlog)) {
      H3Client.Answer a = client.send(method, path, Map.of(), null).get(5, TimeUnit.SECONDS);
      assertEquals(status, a.status(), a.text());
      if (bytes >= 0) assertEquals(bytes, a.body().length);
    }
    List<JsonObject> frames = requestStreamFramesReceived(qlog);
    List<JsonObject> fins = frames.stream().filter(f -> f.getBoolean("fin", false)).toList();
    assertEquals(1, fins.size(), "one FIN on the request stream: " + frames);
    assertTrue(fins.get(0).getLong("length") > 0, "the FIN came in an empty STREAM frame of its own: " + frames);
  }

  /**
   * RFC 9114 section 4.1: an answer complete before the request ends asks the client to stop sending (STOP_SENDING,
   * H3_NO_ERROR), so a request whose FIN is lost (and, with quiche, never sent again) does not hold its stream.
   */
  @Test
  void aRequestStillOpenWhenItsAnswerIsCompleteIsAskedToStop() throws Exception {
    Path qlog = Files.createTempDirectory(dir, "qlog");
    try (H3Client client = new H3Client(bff.port(), 10_000_000, 1_000_000, qlog)) {
      H3Client.Answer a = client.open(s -> {
        DefaultHttp3HeadersFrame h = new DefaultHttp3HeadersFrame();
        // no body (announced, so the proxy does not wait for one) and no FIN
        h.headers().method("GET").path("/api/fixed").scheme("https").authority("127.0.0.1").add("content-length", "0");
        s.writeAndFlush(h);
      }).get(5, TimeUnit.SECONDS);
      assertEquals(200, a.status());
      assertEquals(3000, a.body().length, "the answer is whole");
      // The STOP_SENDING goes out after the answer's last frame; a second answer on the connection comes after it.
      assertEquals(200, client.get("/healthz").status());
    }
    List<JsonObject> stops = stopSending(qlog, 0);
    assertEquals(1, stops.size(), "one STOP_SENDING: " + stops);
    assertEquals(0x100, stops.get(0).getLong("error_code"), "H3_NO_ERROR");
  }

  @Test
  void aFinishedRequestIsNotAskedToStop() throws Exception {
    Path qlog = Files.createTempDirectory(dir, "qlog");
    try (H3Client client = new H3Client(bff.port(), 10_000_000, 1_000_000, qlog)) {
      H3Client.Answer a = client.send("POST", "/api/fixed", Map.of(), new byte[100]).get(5, TimeUnit.SECONDS);
      assertEquals(200, a.status());
      assertEquals(200, client.get("/healthz").status()); // as above: what the server sent after the answer is in
    }
    assertEquals(List.of(), stopSending(qlog, 0));
  }

  /** server.http3.qlogDir: one qlog per connection, written from the server's side. */
  @Test
  void theServerWritesAQlogPerConnectionWhenAsked() throws Exception {
    Path serverQlogs = dir.resolve("server-qlog");
    long before;
    try (Stream<Path> s = Files.list(serverQlogs)) {
      before = s.count();
    }
    try (H3Client client = new H3Client(bff.port())) {
      assertEquals(200, client.get("/healthz").status());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    List<Path> files;
    do {
      try (Stream<Path> s = Files.list(serverQlogs)) {
        files = s.sorted().toList();
      }
    } while (files.size() == before && System.nanoTime() < deadline && sleep(20));
    assertEquals(before + 1, files.size(), "one more qlog: " + files);
    boolean serverSide = false;
    for (Path f : files) serverSide |= Files.readString(f).contains("\"vantage_point\":{\"type\":\"server\"}");
    assertTrue(serverSide, "written from the server's side");
  }

  @Test
  void aQlogDirThatIsNotADirectoryIsRefusedAtStart() throws Exception {
    ClientBundle b = TestBundles.bundle(TestBundles.server(Duration.ofSeconds(1)), Duration.ofSeconds(1), Map.of(),
        List.of(), "type Query { ping: String }", Map.of());
    Path missing = dir.resolve("no-such-dir");
    Exception e = assertThrows(Exception.class, () -> H3Bffs.start(vertx, dir.resolve("refused"), b,
        Http3Config.off().withEnabled(true).withQlogDir(missing.toString())));
    assertTrue(e.getMessage().contains("server.http3.qlogDir") && e.getMessage().contains("not a writable directory"),
        e.getMessage());
  }

  private static boolean sleep(long ms) throws InterruptedException {
    Thread.sleep(ms);
    return true;
  }

  /** The STREAM frames the client received on its request streams (client-initiated bidirectional: id % 4 == 0). */
  static List<JsonObject> requestStreamFramesReceived(Path qlogDir) throws Exception {
    return framesReceived(qlogDir, "stream").stream().filter(f -> f.getLong("stream_id") % 4 == 0).toList();
  }

  /**
   * The STOP_SENDING frames the client received for one stream. (The second request's stream may get one too: Netty's
   * client sends its FIN after the head, and a quick answer can be complete before it arrives.)
   */
  static List<JsonObject> stopSending(Path qlogDir, long streamId) throws Exception {
    return framesReceived(qlogDir, "stop_sending").stream().filter(f -> f.getLong("stream_id") == streamId).toList();
  }

  /** The frames of one type the client received, in order. */
  static List<JsonObject> framesReceived(Path qlogDir, String type) throws Exception {
    List<JsonObject> out = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    List<Path> files;
    do { // quiche writes the file as the connection goes and ends it when the connection is freed
      try (Stream<Path> s = Files.list(qlogDir)) {
        files = s.toList();
      }
      if (!files.isEmpty()) break;
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    assertEquals(1, files.size(), "one qlog for the connection");
    for (String record : Files.readString(files.get(0)).split("\u001e")) {
      if (record.isBlank()) continue;
      JsonObject e = new JsonObject(record.trim());
      if (!"transport:packet_received".equals(e.getString("name"))) continue;
      JsonArray fs = e.getJsonObject("data").getJsonArray("frames", new JsonArray());
      for (int i = 0; i < fs.size(); i++) {
        JsonObject f = fs.getJsonObject(i);
        if (type.equals(f.getString("frame_type"))) out.add(f);
      }
    }
    return out;
  }
}
