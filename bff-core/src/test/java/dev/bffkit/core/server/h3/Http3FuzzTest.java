package dev.bffkit.core.server.h3;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.bffkit.core.Bff;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.Http3Config;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes what a client controls on an HTTP/3 request stream: frames of any type and length (HEADERS with QPACK field
 * sections of chosen or arbitrary fields, DATA, reserved and unknown types, cut-short frames) and raw bytes. Every
 * stream ends within two seconds (an answer, a stream reset or a connection error), and the listener still answers
 * a new connection.
 */
class Http3FuzzTest {
  private static final String[] NAMES = {":method", ":path", ":scheme", ":authority", ":status", ":protocol", "host",
      "content-length", "transfer-encoding", "te", "connection", "cookie", "x-request-id", "x-forwarded-for", "X-Up", ""};
  private static final long[] TYPES = {0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0x9, 0xd, 0x21, 0x3f, 1L << 40};

  static Vertx vertx;
  static Bff.RunningBff bff;
  static H3Client client;
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    dir = Files.createTempDirectory("h3fuzz");
    ClientBundle b = TestBundles.bundle(TestBundles.server(Duration.ofSeconds(1)), Duration.ofSeconds(1), Map.of(),
        List.of(), "type Query { ping: String }", Map.of());
    bff = H3Bffs.start(vertx, dir, b, Http3Config.off().withEnabled(true));
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) client.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @FuzzTest(maxDuration = "20s")
  void requestStreams(FuzzedDataProvider data) throws Exception {
    H3Frames frames = new H3Frames();
    int n = data.consumeInt(0, 4);
    for (int i = 0; i < n; i++) {
      switch (data.consumeInt(0, 3)) {
        case 0 -> {
          int fields = data.consumeInt(0, 6);
          String[] nv = new String[fields * 2];
          for (int f = 0; f < fields; f++) {
            nv[2 * f] = data.consumeBoolean() ? data.pickValue(NAMES) : data.consumeAsciiString(10);
            nv[2 * f + 1] = data.consumeString(20);
          }
          frames.frame(H3Frames.HEADERS, H3Frames.fieldSection(nv));
        }
        case 1 -> frames.frame(data.pickValue(TYPES), data.consumeBytes(data.consumeInt(0, 64)));
        case 2 -> frames.header(data.pickValue(TYPES), data.consumeLong(0, 1L << 50), data.consumeBytes(data.consumeInt(0, 16)));
        default -> frames.bytes(data.consumeBytes(data.consumeInt(0, 64)));
      }
    }
    boolean fin = data.consumeBoolean();
    if (client == null || !client.quic().isActive()) {
      if (client != null) client.close();
      client = new H3Client(bff.port());
    }
    try {
      // Without a FIN a well-formed head that waits for its body may wait; the connection must not wedge meanwhile.
      client.raw(frames.build(), fin).get(fin ? 2000 : 300, TimeUnit.MILLISECONDS);
    } catch (TimeoutException waiting) {
      if (fin) throw new AssertionError("a finished stream got no end within 2 s");
    }
    try (H3Client fresh = new H3Client(bff.port())) {
      int status = fresh.get("/healthz").status();
      if (status != 200) throw new AssertionError("listener answered " + status + " after the input");
    }
  }
}
