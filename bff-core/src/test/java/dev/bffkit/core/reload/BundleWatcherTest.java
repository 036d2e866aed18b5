package dev.bffkit.core.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BundleWatcherTest {
  @TempDir Path tmp;
  private Vertx vertx;
  private Path dir;

  @BeforeEach
  void folder() throws Exception {
    vertx = Vertx.vertx();
    dir = Files.createDirectories(tmp.resolve("ios").resolve("screens")).getParent();
    Files.writeString(dir.resolve("bff.yaml"), "name: ios\n");
    Files.writeString(dir.resolve("schema.graphqls"), "type Query { hello: String }\n");
    Files.writeString(dir.resolve("screens/home.graphql"), "query Home { hello }\n");
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  interface Change {
    void apply(Path dir) throws Exception;
  }

  /** Every change the loader would see is a new version; what it ignores is not. */
  @Test
  void theFingerprintFollowsWhatTheLoaderReads() throws Exception {
    Map<String, Change> changes = new HashMap<>();
    changes.put("screen edited", d -> Files.writeString(d.resolve("screens/home.graphql"), "query Home { hello }  \n"));
    changes.put("screen renamed", d -> Files.move(d.resolve("screens/home.graphql"), d.resolve("screens/start.graphql")));
    changes.put("screen added", d -> Files.writeString(d.resolve("screens/feed.graphql"), ""));
    changes.put("stray file in screens", d -> Files.writeString(d.resolve("screens/notes.txt"), "x"));
    changes.put("bff.yaml emptied", d -> Files.writeString(d.resolve("bff.yaml"), ""));
    changes.put("bff.yaml removed", d -> Files.delete(d.resolve("bff.yaml")));
    changes.put("schema edited", d -> Files.writeString(d.resolve("schema.graphqls"), "type Query { hi: String }\n"));
    changes.put("screens removed", d -> {
      Files.delete(d.resolve("screens/home.graphql"));
      Files.delete(d.resolve("screens"));
    });
    changes.put("bytes moved between files", d -> {
      Files.writeString(d.resolve("bff.yaml"), "name: ios\ntype Query {");
      Files.writeString(d.resolve("schema.graphqls"), " hello: String }\n");
    });
    String base = BundleFingerprint.of(dir);
    assertEquals(16, base.length());
    for (Map.Entry<String, Change> c : changes.entrySet()) {
      Path copy = copyOf(dir, tmp.resolve("case-" + c.getKey().replace(' ', '-')).resolve("ios"));
      assertEquals(base, BundleFingerprint.of(copy), "a copy has the same version");
      c.getValue().apply(copy);
      assertNotEquals(base, BundleFingerprint.of(copy), c.getKey());
    }
    for (Change ignored : List.<Change>of(
        d -> Files.writeString(d.resolve("screens/.home.graphql.swp"), "x"),
        d -> Files.writeString(d.resolve("4913"), "vim's probe"),
        d -> Files.setLastModifiedTime(d.resolve("bff.yaml"), FileTime.fromMillis(0)))) {
      ignored.apply(dir);
      assertEquals(base, BundleFingerprint.of(dir), "not read by the loader: same version");
    }
  }

  private static Path copyOf(Path from, Path to) throws Exception {
    Files.createDirectories(to.resolve("screens"));
    for (String f : List.of("bff.yaml", "schema.graphqls", "screens/home.graphql")) {
      Files.copy(from.resolve(f), to.resolve(f));
    }
    return to;
  }

  @Test
  void theBaselineIsNoChangeAnEditFiresOnceAndCloseStops() throws Exception {
    AtomicInteger fired = new AtomicInteger();
    BundleWatcher w = BundleWatcher.start(vertx, dir, Duration.ofMillis(100), fired::incrementAndGet);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (w.fingerprint() == null) {
      assertTrue(System.nanoTime() < deadline, "no baseline");
      Thread.sleep(10);
    }
    String baseline = w.fingerprint();
    assertEquals(BundleFingerprint.of(dir), baseline);
    Thread.sleep(500);
    assertEquals(0, fired.get(), "the folder as found is not a change");

    Files.writeString(dir.resolve("screens/home.graphql"), "query Home { hello } # 2\n");
    while (fired.get() == 0) {
      assertTrue(System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(2), "change not noticed");
      Thread.sleep(10);
    }
    assertNotNull(w.fingerprint());
    assertEquals(BundleFingerprint.of(dir), w.fingerprint());
    Thread.sleep(500);
    assertEquals(1, fired.get(), "one change, one call");

    w.close();
    Files.writeString(dir.resolve("screens/home.graphql"), "query Home { hello } # 3\n");
    Thread.sleep(600);
    assertEquals(1, fired.get(), "closed: no more calls");
  }
}
