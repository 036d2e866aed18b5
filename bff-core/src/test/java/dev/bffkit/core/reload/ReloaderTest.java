package dev.bffkit.core.reload;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.SourceFile;
import dev.bffkit.core.reload.ReloadResult.Outcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Real folders, real Vert.x, the real BundleLoader; {@code apply} records the bundles it is given. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReloaderTest {
  private static final Duration INTERVAL = Duration.ofMillis(250);
  private static final String YAML = """
      name: ios
      server:
        host: 127.0.0.1
        port: 0
      services:
        posts:
          endpoints: http://127.0.0.1:9101
      """;
  private static final String SCHEMA = "type Query { hello: String }\n";
  private static final String HOME = "query Home { hello }\n";

  @TempDir Path tmp;
  private Vertx vertx;
  private Path dir;
  private Reloader reloader;
  private final List<ClientBundle> applied = new CopyOnWriteArrayList<>();
  private final Function<ClientBundle, Future<Void>> record = b -> {
    applied.add(b);
    return Future.succeededFuture();
  };

  @BeforeEach
  void folder() throws Exception {
    vertx = Vertx.vertx();
    dir = Files.createDirectories(tmp.resolve("ios"));
    Files.writeString(dir.resolve("bff.yaml"), YAML);
    Files.writeString(dir.resolve("schema.graphqls"), SCHEMA);
    Files.createDirectories(dir.resolve("screens"));
    Files.writeString(dir.resolve("screens/home.graphql"), HOME);
  }

  @AfterEach
  void stop() throws Exception {
    if (reloader != null) reloader.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private Reloader watching() throws Exception {
    reloader = Reloader.watch(vertx, dir, INTERVAL, BundleLoader::load, record);
    ReloadResult start = reloader.reload("start").await(10, TimeUnit.SECONDS);
    assertEquals(Outcome.APPLIED, start.outcome(), String.valueOf(start.error()));
    assertEquals(1, applied.size());
    return reloader;
  }

  private static String screen(ClientBundle b, String name) {
    return b.screens().stream().filter(f -> f.name().endsWith("/" + name + ".graphql")).map(SourceFile::text)
        .findFirst().orElse(null);
  }

  private static long waitFor(BooleanSupplier done, Duration max) throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + max.toNanos();
    while (!done.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "not within " + max);
      Thread.sleep(20);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  private List<ReloadResult> fileReloads() {
    return reloader.history().stream().filter(r -> r.trigger().equals("file")).toList();
  }

  /** Each edit style ends with home.graphql (or the screen list) changed; the check names the new state. */
  interface Edit {
    void apply(Path dir) throws Exception;
  }

  static Stream<Arguments> edits() {
    String v2 = "query Home { hello } # v2\n";
    return Stream.of(
        Arguments.of("write in place", (Edit) d -> Files.writeString(d.resolve("screens/home.graphql"), v2),
            (Function<ClientBundle, Boolean>) b -> v2.equals(screen(b, "home"))),
        Arguments.of("write temp then rename", (Edit) d -> {
          Path t = Files.writeString(d.resolve("screens/.home.graphql.tmp"), v2);
          Files.move(t, d.resolve("screens/home.graphql"), ATOMIC_MOVE);
        }, (Function<ClientBundle, Boolean>) b -> v2.equals(screen(b, "home"))),
        Arguments.of("screen added", (Edit) d -> Files.writeString(d.resolve("screens/feed.graphql"), "query Feed { hello }\n"),
            (Function<ClientBundle, Boolean>) b -> b.screens().size() == 2),
        Arguments.of("screen removed", (Edit) d -> Files.delete(d.resolve("screens/home.graphql")),
            (Function<ClientBundle, Boolean>) b -> b.screens().isEmpty()),
        Arguments.of("schema edited", (Edit) d -> Files.writeString(d.resolve("schema.graphqls"), "type Query { hello: String bye: String }\n"),
            (Function<ClientBundle, Boolean>) b -> b.schema().text().contains("bye")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("edits")
  void anEditIsNoticedAndAppliedWithinASecond(String name, Edit edit, Function<ClientBundle, Boolean> isNew) throws Exception {
    watching();
    Thread.sleep(600); // the watcher's first look is done: the edit below is a change, not the baseline
    String before = reloader.version();
    edit.apply(dir);
    long ms = waitFor(() -> applied.size() == 2, Duration.ofSeconds(5));
    assertTrue(ms < 2000, "applied after " + ms + " ms");
    assertTrue(isNew.apply(applied.get(1)), name + ": the applied bundle is the edited one");
    assertNotEquals(before, reloader.version());
    assertEquals(1, fileReloads().size());
    assertEquals(Outcome.APPLIED, reloader.last().outcome());
  }

  @Test
  void anIdenticalWriteIsUnchanged() throws Exception {
    watching();
    Files.writeString(dir.resolve("screens/home.graphql"), HOME); // same bytes, new mtime
    Thread.sleep(1000);
    assertEquals(1, applied.size(), "same content: nothing applied");
    ReloadResult again = reloader.reload("file").await(10, TimeUnit.SECONDS);
    assertEquals(Outcome.UNCHANGED, again.outcome());
    assertEquals(reloader.history().get(1).version(), again.version());
    assertEquals(1, applied.size());
  }

  @Test
  void aConfigMapSymlinkSwapIsNoticedOnce() throws Exception {
    // The kubelet's layout: ..data -> ..<timestamp>/, and each top-level entry -> ..data/<entry>.
    Path cm = Files.createDirectories(tmp.resolve("web"));
    Path first = kubeletDir(cm, "..2026_11_27_23_00_00.123", HOME);
    Files.createSymbolicLink(cm.resolve("..data"), first.getFileName());
    for (String entry : List.of("bff.yaml", "schema.graphqls", "screens")) {
      Files.createSymbolicLink(cm.resolve(entry), Path.of("..data", entry));
    }
    dir = cm;
    watching();
    assertEquals(HOME, screen(applied.get(0), "home"));
    Thread.sleep(600);

    // An update: a new timestamped dir, ..data_tmp -> it, renamed over ..data (atomic), old dir deleted.
    String v2 = "query Home { hello } # from the configmap\n";
    Path second = kubeletDir(cm, "..2026_11_27_23_05_00.456", v2);
    Path tmpLink = Files.createSymbolicLink(cm.resolve("..data_tmp"), second.getFileName());
    Files.move(tmpLink, cm.resolve("..data"), ATOMIC_MOVE);
    deleteTree(first);

    long ms = waitFor(() -> applied.size() == 2, Duration.ofSeconds(5));
    assertTrue(ms < 2000, "applied after " + ms + " ms");
    assertEquals(v2, screen(applied.get(1), "home"));
    Thread.sleep(1000);
    assertEquals(2, applied.size(), "one swap, one apply");
    assertEquals(1, fileReloads().size(), "one swap, one reload");
  }

  private static Path kubeletDir(Path cm, String name, String home) throws Exception {
    Path d = Files.createDirectories(cm.resolve(name).resolve("screens"));
    Files.writeString(cm.resolve(name).resolve("bff.yaml"), YAML.replace("name: ios", "name: web"));
    Files.writeString(cm.resolve(name).resolve("schema.graphqls"), SCHEMA);
    Files.writeString(d.resolve("home.graphql"), home);
    return cm.resolve(name);
  }

  private static void deleteTree(Path root) throws Exception {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) Files.delete(p);
    }
  }

  @Test
  void anInvalidBffYamlIsRefusedThenTheFixApplies() throws Exception {
    watching();
    String version = reloader.version();
    List<String> lines = new CopyOnWriteArrayList<>();
    Handler capture = logLines(lines);
    try {
      // Half-written: the editor has flushed only part of the file.
      Files.writeString(dir.resolve("bff.yaml"), YAML.substring(0, YAML.indexOf("endpoints")) + "    endpoints: htp://x\n");
      waitFor(() -> reloader.last().outcome() == Outcome.REFUSED, Duration.ofSeconds(5));
      ReloadResult refused = reloader.last();
      assertTrue(refused.error().matches("(?s)ios/bff\\.yaml:\\d+: .+"), refused.error());
      assertEquals(1, applied.size(), "apply is not called for an invalid folder");
      assertEquals(version, reloader.version(), "the old version keeps serving");
      assertNotEquals(version, refused.version(), "the refused version is named");
      assertTrue(lines.stream().anyMatch(l -> l.startsWith("event=config_reload bff=ios ")
          && l.contains(" outcome=REFUSED ") && l.contains(" version=" + refused.version())
          && l.contains(" error=\"ios/bff.yaml:")), lines.toString());

      Files.writeString(dir.resolve("bff.yaml"), YAML.replace("9101", "9102"));
      waitFor(() -> applied.size() == 2, Duration.ofSeconds(5));
      assertEquals(Outcome.APPLIED, reloader.last().outcome());
      assertEquals("http://127.0.0.1:9102", applied.get(1).config().services().get("posts").endpoints().get(0).toString());
    } finally {
      Logger.getLogger("dev.bffkit.reload").removeHandler(capture);
    }
  }

  private static Handler logLines(List<String> lines) {
    Handler h = new Handler() {
      @Override public void publish(LogRecord r) { lines.add(r.getMessage()); }
      @Override public void flush() {}
      @Override public void close() {}
    };
    Logger.getLogger("dev.bffkit.reload").addHandler(h);
    return h;
  }

  @Test
  void severalQuickWritesFireOneReload() throws Exception {
    watching();
    Thread.sleep(600);
    for (int i = 0; i < 8; i++) { // 8 writes 30 ms apart: each look sees another version until they stop
      Files.writeString(dir.resolve("screens/home.graphql"), "query Home { hello } # " + i + "\n");
      Thread.sleep(30);
    }
    waitFor(() -> applied.size() >= 2, Duration.ofSeconds(5));
    Thread.sleep(1000);
    assertEquals(2, applied.size(), "one reload for the burst");
    assertEquals(1, fileReloads().size());
    assertEquals("query Home { hello } # 7\n", screen(applied.get(1), "home"), "the last write is the one applied");
  }

  @Test
  void tenConcurrentReloadsRunAtMostTwoApplies() throws Exception {
    // A slow swap, so every request arrives while the first reload runs.
    Function<ClientBundle, Future<Void>> slow = b -> {
      applied.add(b);
      Promise<Void> p = Promise.promise();
      vertx.setTimer(300, id -> p.complete());
      return p.future();
    };
    reloader = new Reloader(vertx, dir, BundleLoader::load, slow);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<ReloadResult>> results = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Thread t = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        results.add(reloader.reload("admin"));
      });
      t.start();
      threads.add(t);
    }
    go.countDown();
    for (Thread t : threads) t.join(10_000);
    Thread.sleep(100);
    Files.writeString(dir.resolve("screens/home.graphql"), "query Home { hello } # while reloading\n");
    Future<ReloadResult> late = reloader.reload("admin");
    for (Future<ReloadResult> f : results) assertNotNull(f.await(10, TimeUnit.SECONDS));
    late.await(10, TimeUnit.SECONDS);
    assertTrue(applied.size() <= 2 && !applied.isEmpty(), "applies: " + applied.size());
    assertTrue(reloader.history().size() <= 2, "runs: " + reloader.history());
    assertEquals("query Home { hello } # while reloading\n", screen(applied.get(applied.size() - 1), "home"),
        "the coalesced run reads the folder after the change");
  }

  @Test
  void aFailedOrRefusingSwapKeepsTheVersion() throws Exception {
    List<Function<ClientBundle, Future<Void>>> applies = List.of(
        b -> Future.failedFuture(new IllegalStateException("port in use")),
        b -> { throw new IllegalStateException("boom"); },
        b -> Future.failedFuture(new ConfigException("ios/bff.yaml", 7, "routes[0].service: no such service")));
    List<Outcome> expected = List.of(Outcome.FAILED, Outcome.FAILED, Outcome.REFUSED);
    for (int i = 0; i < applies.size(); i++) {
      Reloader r = new Reloader(vertx, dir, BundleLoader::load, applies.get(i));
      ReloadResult res = r.reload("admin").await(10, TimeUnit.SECONDS);
      assertEquals(expected.get(i), res.outcome());
      assertNotNull(res.error());
      assertNull(r.version(), "nothing was applied");
    }
  }

  @Test
  void historyKeepsTheLastFiftyNewestFirst() throws Exception {
    reloader = new Reloader(vertx, dir, BundleLoader::load, record);
    assertNull(reloader.last());
    reloader.reload("start").await(10, TimeUnit.SECONDS);
    for (int i = 0; i < 55; i++) reloader.reload("admin").await(10, TimeUnit.SECONDS);
    List<ReloadResult> h = reloader.history();
    assertEquals(Reloader.HISTORY, h.size());
    assertTrue(h.stream().allMatch(r -> r.outcome() == Outcome.UNCHANGED), "the start entry fell off");
    for (int i = 1; i < h.size(); i++) assertTrue(h.get(i - 1).atEpochMillis() >= h.get(i).atEpochMillis());
    assertEquals(h.get(0), reloader.last());
  }

  @Test
  void theAdminPagesAnswerWithTheResult() throws Exception {
    reloader = new Reloader(vertx, dir, BundleLoader::load, record);
    Router router = Router.router(vertx);
    reloader.mount(router);
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String base = "http://127.0.0.1:" + server.actualPort();
    Function<String, HttpResponse<String>> post = path -> send(http, HttpRequest.newBuilder(URI.create(base + path))
        .POST(HttpRequest.BodyPublishers.noBody()).build());

    JsonObject none = new JsonObject(send(http, HttpRequest.newBuilder(URI.create(base + "/config")).build()).body());
    assertNull(none.getValue("version"));
    assertNull(none.getValue("last"));

    HttpResponse<String> first = post.apply("/config/reload");
    assertEquals(200, first.statusCode());
    assertEquals("application/json", first.headers().firstValue("content-type").orElse(""));
    assertEquals("APPLIED", new JsonObject(first.body()).getString("outcome"));
    assertEquals("admin", new JsonObject(first.body()).getString("trigger"));

    HttpResponse<String> same = post.apply("/config/reload");
    assertEquals(200, same.statusCode());
    assertEquals("UNCHANGED", new JsonObject(same.body()).getString("outcome"));

    Files.writeString(dir.resolve("bff.yaml"), YAML + "bogus: 1\n");
    HttpResponse<String> bad = post.apply("/config/reload");
    assertEquals(422, bad.statusCode());
    JsonObject refused = new JsonObject(bad.body());
    assertEquals("REFUSED", refused.getString("outcome"));
    assertTrue(refused.getString("error").matches("ios/bff\\.yaml:\\d+: .+"), refused.getString("error"));

    JsonObject config = new JsonObject(send(http, HttpRequest.newBuilder(URI.create(base + "/config")).build()).body());
    assertEquals("ios", config.getString("bff"));
    assertEquals(new JsonObject(first.body()).getString("version"), config.getString("version"), "the applied version serves");
    assertEquals("REFUSED", config.getJsonObject("last").getString("outcome"));

    JsonArray reloads = new JsonObject(send(http, HttpRequest.newBuilder(URI.create(base + "/config/reloads")).build())
        .body()).getJsonArray("reloads");
    assertEquals(List.of("REFUSED", "UNCHANGED", "APPLIED"),
        reloads.stream().map(o -> ((JsonObject) o).getString("outcome")).toList());

    Reloader failing = new Reloader(vertx, dir, BundleLoader::load, b -> Future.failedFuture(new IllegalStateException("swap failed")));
    Files.writeString(dir.resolve("bff.yaml"), YAML);
    Router r2 = Router.router(vertx);
    failing.mount(r2);
    HttpServer s2 = vertx.createHttpServer().requestHandler(r2).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    HttpResponse<String> failed = send(http, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s2.actualPort() + "/config/reload"))
        .POST(HttpRequest.BodyPublishers.noBody()).build());
    assertEquals(500, failed.statusCode());
    assertEquals("swap failed", new JsonObject(failed.body()).getString("error"));
  }

  private static HttpResponse<String> send(HttpClient http, HttpRequest req) {
    try {
      return http.send(HttpRequest.newBuilder(req, (n, v) -> true).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
