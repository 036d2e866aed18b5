package dev.bffkit.core.observe.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.ObserveConfig;
import dev.bffkit.core.observe.AccessLog;
import dev.bffkit.core.observe.LineSink;
import dev.bffkit.core.observe.LineWriter;
import dev.bffkit.core.observe.Observability;
import dev.bffkit.core.observe.RequestLog;
import dev.bffkit.core.observe.RotatingFile;
import dev.bffkit.core.observe.TraceContext;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.route.RouteKind;
import dev.bffkit.core.route.RouteMatch;
import dev.bffkit.core.route.RoutePolicy;
import dev.bffkit.core.route.RouteTable;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The hash-chained audit file: written off the loop, loss chained as gaps, tampering found at its line. */
class AuditTrailTest {
  private static final RoutePolicy POLICY =
      new RoutePolicy(false, Set.of(), 1024, Duration.ofSeconds(10), 0, Duration.ofSeconds(3), null);
  private static final Route HOME = new Route(0, "screen:home", RouteKind.SCREEN, new RouteMatch.Exact("/v1/screens/home"),
      Set.of(), POLICY, "test", null);
  private static final Route POSTS = new Route(1, "proxy:/api/posts", RouteKind.PROXY, new RouteMatch.Prefix("/api/posts"),
      Set.of(), POLICY, "test", null);
  private static final RouteTable TABLE = RouteTable.builder().add(HOME).add(POSTS).build();
  /** 25 requests, a checkpoint every 10: genesis, 10 requests, checkpoint, 10, checkpoint, 5, closing checkpoint. */
  private static final int REQUESTS = 25;
  private static final int LINES = 29;

  @TempDir Path tmp;

  private static BffConfig config(Path file, List<String> routes, int queue) {
    BffConfig base = TestBundles.bundle(TestBundles.server(Duration.ofSeconds(1)), Duration.ofSeconds(1), Map.of(),
        List.of(), "type Query { a: String }", Map.of()).config();
    ObserveConfig d = ObserveConfig.off();
    return base.withObserve(new ObserveConfig(d.metrics(), d.tracing(), d.accessLog(),
        new ObserveConfig.Audit(true, file.toString(), queue, 10, routes), d.slos(), false));
  }

  private static RequestLog request(int i, Route route) {
    RequestLog log = new RequestLog("req-" + i, i % 2 == 0 ? "GET" : "POST", System.nanoTime(), 1_796_000_000_000L + i,
        TraceContext.root(false), null);
    log.route(route);
    log.admitted("jwt", i % 3 == 0 ? null : "user-" + i + "-\"é\"");
    log.digestBodies();
    if (i % 2 != 0) log.requestBody(Buffer.buffer("body " + i));
    log.responseBody(Buffer.buffer("answer " + i));
    log.end(200 + i % 3, 10, 20, false);
    return log;
  }

  /** A chain of {@link #REQUESTS} requests written by an installed trail. */
  private Path chain() {
    Path file = tmp.resolve("audit.log");
    Observability o = Observability.off("t");
    AuditTrail trail = AuditTrail.install(o, config(file, List.of(), 1024), TABLE);
    assertNotNull(trail);
    for (int i = 0; i < REQUESTS; i++) trail.completed(request(i, i % 2 == 0 ? HOME : POSTS));
    o.close();
    return file;
  }

  private static String[] verify(Path file) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = AuditVerify.run(new String[] {"verify", file.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void anIntactChainVerifies() throws Exception {
    Path file = chain();
    List<String> lines = Files.readAllLines(file);
    assertEquals(LINES, lines.size(), String.join("\n", lines));
    JsonObject genesis = new JsonObject(lines.get(0));
    assertEquals("genesis", genesis.getString("type"));
    assertEquals(AuditRecord.ZERO, genesis.getString("prev"));
    JsonObject first = new JsonObject(lines.get(1));
    assertEquals(Set.of("seq", "type", "time", "route", "method", "subject", "status", "request_id", "req_sha256",
        "resp_sha256", "prev", "hash"), first.fieldNames());
    assertEquals("req-0", first.getString("request_id"));
    assertEquals("screen:home", first.getString("route"));
    assertEquals(sha256("answer 0"), first.getString("resp_sha256"));
    JsonObject second = new JsonObject(lines.get(2));
    assertEquals(sha256("body 1"), second.getString("req_sha256"));
    assertEquals("user-1-\"é\"", second.getString("subject"));
    assertTrue(lines.stream().allMatch(l -> l.chars().allMatch(c -> c < 0x80)), "ASCII only");
    JsonObject cp = new JsonObject(lines.get(11));
    assertEquals("checkpoint", cp.getString("type"));
    assertEquals(11, cp.getInteger("count"));
    assertEquals(10, cp.getInteger("requests"));
    assertEquals(new JsonObject(lines.get(10)).getString("hash"), cp.getString("chain"));

    String[] v = verify(file);
    assertEquals("0", v[0], v[1]);
    assertTrue(v[1].startsWith("ok " + LINES + " records (" + REQUESTS + " requests, 3 checkpoints, 0 restarts, 0 gaps"), v[1]);
  }

  private static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  /** Replaces the first char of {@code what} after {@code key} in a line by another of its kind. */
  private static UnaryOperator<List<String>> change(int lineNo, String key) {
    return lines -> {
      String l = lines.get(lineNo - 1);
      int at = l.indexOf(key) + key.length();
      char c = l.charAt(at);
      char other = Character.isDigit(c) ? (char) ('0' + (c - '0' + 1) % 10) : c == 'a' ? 'b' : 'a';
      lines.set(lineNo - 1, l.substring(0, at) + other + l.substring(at + 1));
      return lines;
    };
  }

  static Stream<Arguments> tampering() {
    return Stream.of(
        Arguments.of("a status changed", change(5, "\"status\":"), 5, "hash does not match"),
        Arguments.of("a subject changed", change(3, "\"subject\":\"user-"), 3, "hash does not match"),
        Arguments.of("a body digest changed", change(8, "\"resp_sha256\":\""), 8, "hash does not match"),
        Arguments.of("a time changed", change(20, "\"time\":\"2026-11-30T00:53:20."), 20, "hash does not match"),
        Arguments.of("a prev changed", change(7, "\"prev\":\""), 7, "prev is not the hash of line 6"),
        Arguments.of("a hash changed", change(9, "\"hash\":\""), 9, "hash does not match"),
        Arguments.of("a seq changed", change(13, "\"seq\":"), 13, "seq"),
        Arguments.of("a checkpoint changed", change(12, "\"requests\":"), 12, "hash does not match"),
        Arguments.of("the genesis changed", change(1, "\"time\":\"20"), 1, "hash does not match"),
        Arguments.of("a line made not JSON", (UnaryOperator<List<String>>) l -> {
          l.set(3, l.get(3).replaceFirst("\"method\":", "\"method\""));
          return l;
        }, 4, "not a JSON object"),
        Arguments.of("a line removed", (UnaryOperator<List<String>>) l -> {
          l.remove(5);
          return l;
        }, 6, "seq 6 after seq 4"),
        Arguments.of("the first line removed", (UnaryOperator<List<String>>) l -> {
          l.remove(0);
          return l;
        }, 1, "first record must be genesis"),
        Arguments.of("two lines swapped", (UnaryOperator<List<String>>) l -> {
          String a = l.get(7);
          l.set(7, l.get(8));
          l.set(8, a);
          return l;
        }, 8, "seq 8 after seq 6"),
        Arguments.of("a copy of a line inserted", (UnaryOperator<List<String>>) l -> {
          l.add(9, l.get(2));
          return l;
        }, 10, "seq 2 after seq 8"),
        Arguments.of("a forged line with the next seq inserted", (UnaryOperator<List<String>>) l -> {
          String forged = l.get(9).replace("\"seq\":9,", "\"seq\":10,").replace("req-8", "req-x");
          l.add(10, forged);
          return l;
        }, 11, "prev is not the hash of line 10"),
        Arguments.of("a second chain appended", (UnaryOperator<List<String>>) l -> {
          l.add(l.get(0));
          return l;
        }, LINES + 1, "a second genesis"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tampering")
  void tamperingIsFoundAtItsLine(String name, UnaryOperator<List<String>> tamper, int line, String why) throws Exception {
    Path file = chain();
    List<String> lines = tamper.apply(new ArrayList<>(Files.readAllLines(file)));
    Files.write(file, lines);
    String[] v = verify(file);
    assertEquals("1", v[0], v[1]);
    assertTrue(v[1].startsWith("line " + line + ": "), v[1]);
    assertTrue(v[1].contains(why), v[1]);
  }

  @Test
  void aTruncatedLastLineIsFound() throws Exception {
    Path file = chain();
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length - 12));
    String[] v = verify(file);
    assertEquals("1", v[0], v[1]);
    assertTrue(v[1].startsWith("line " + LINES + ": not a chain record"), v[1]);

    Files.write(file, Arrays.copyOf(bytes, bytes.length - 1)); // only the final newline gone: intact
    assertEquals("0", verify(file)[0]);
  }

  @Test
  void emptyMissingAndWrongUsage() throws Exception {
    Path empty = Files.createFile(tmp.resolve("empty.log"));
    String[] v = verify(empty);
    assertEquals("1", v[0]);
    assertTrue(v[1].startsWith("line 1: no records"), v[1]);
    assertEquals("2", verify(tmp.resolve("absent.log"))[0]);
    PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertEquals(2, AuditVerify.run(new String[] {"verify"}, sink, sink));
    assertEquals(2, AuditVerify.run(new String[] {"check", "x"}, sink, sink));
  }

  /** A stalled writer: the queue overflows, the loss is chained as a gap, verifies, and is reported. */
  @Test
  void lossIsAGapInTheChain() throws Exception {
    Path file = tmp.resolve("gap.log");
    CountDownLatch stall = new CountDownLatch(1);
    CountDownLatch stalled = new CountDownLatch(1);
    RotatingFile real = new RotatingFile(file, Long.MAX_VALUE, 1, true);
    AtomicInteger writes = new AtomicInteger();
    LineSink sink = new LineSink() {
      @Override
      public void write(byte[] bytes, int len) throws IOException {
        real.write(bytes, len);
        if (writes.incrementAndGet() == 2) { // after the genesis and the first request
          stalled.countDown();
          try {
            stall.await();
          } catch (InterruptedException e) {
            throw new IOException(e);
          }
        }
      }

      @Override
      public void close() throws IOException {
        real.close();
      }
    };
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    LineWriter w = LineWriter.start("t", "audit", sink, 16, new AuditChain(file, "t", 1000), registry);
    AuditTrail trail = new AuditTrail(w, null);
    trail.completed(request(0, HOME));
    assertTrue(stalled.await(5, TimeUnit.SECONDS));
    for (int i = 1; i <= 100; i++) trail.completed(request(i, HOME));
    assertEquals(84, w.dropped());
    assertEquals(84, registry.get("bff.observe.dropped").tag("sink", "audit").counter().count());
    stall.countDown();
    w.close();

    List<String> lines = Files.readAllLines(file);
    // genesis, request 0, 16 requests, the gap, the closing checkpoint
    assertEquals(20, lines.size(), String.join("\n", lines));
    JsonObject gap = new JsonObject(lines.get(18));
    assertEquals("gap", gap.getString("type"));
    assertEquals(84, gap.getInteger("lost"));
    assertEquals(84, new JsonObject(lines.get(19)).getInteger("lost"));
    String[] v = verify(file);
    assertEquals("0", v[0], v[1]);
    assertTrue(v[1].startsWith("ok 20 records (17 requests, 1 checkpoints, 0 restarts, 1 gaps, 84 lost)"), v[1]);
    assertTrue(v[1].contains("line 19: gap: 84 records lost"), v[1]);
  }

  /** A write that fails (a full disk) rewinds the chain to what the file holds; the lost records become a gap. */
  @Test
  void aFailedWriteBecomesAGap() throws Exception {
    Path file = tmp.resolve("fail.log");
    RotatingFile real = new RotatingFile(file, Long.MAX_VALUE, 1, true);
    AtomicInteger writes = new AtomicInteger();
    CountDownLatch failed = new CountDownLatch(1);
    LineSink sink = new LineSink() {
      @Override
      public void write(byte[] bytes, int len) throws IOException {
        if (writes.incrementAndGet() == 2) {
          failed.countDown();
          throw new IOException("No space left on device");
        }
        real.write(bytes, len);
      }

      @Override
      public void close() throws IOException {
        real.close();
      }
    };
    LineWriter w = LineWriter.start("t", "audit", sink, 1024, new AuditChain(file, "t", 1000), new SimpleMeterRegistry());
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (writes.get() < 1 && System.nanoTime() < until) Thread.sleep(5); // the genesis is written
    new AuditTrail(w, null).completed(request(1, HOME));
    assertTrue(failed.await(5, TimeUnit.SECONDS));
    new AuditTrail(w, null).completed(request(2, HOME));
    w.close();
    String[] v = verify(file);
    assertEquals("0", v[0], v[1] + Files.readString(file));
    assertTrue(v[1].contains("1 gaps, 1 lost"), v[1]);
    assertTrue(Files.readString(file).contains("req-2"));
  }

  @Test
  void aRestartedBffContinuesTheChain() throws Exception {
    Path file = chain();
    Observability o = Observability.off("t");
    AuditTrail trail = AuditTrail.install(o, config(file, List.of(), 1024), TABLE);
    trail.completed(request(100, HOME));
    o.close();
    List<String> lines = Files.readAllLines(file);
    JsonObject restart = new JsonObject(lines.get(LINES));
    assertEquals("restart", restart.getString("type"));
    assertEquals(LINES, restart.getInteger("seq"));
    assertEquals(new JsonObject(lines.get(LINES - 1)).getString("hash"), restart.getString("prev"));
    String[] v = verify(file);
    assertEquals("0", v[0], v[1]);
    assertTrue(v[1].startsWith("ok " + (LINES + 3) + " records (" + (REQUESTS + 1) + " requests, 4 checkpoints, 1 restarts"), v[1]);
  }

  @Test
  void aTornFileIsMovedAsideAndANewChainBegins() throws Exception {
    Path file = chain();
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length - 30)); // a crash mid-line
    Observability o = Observability.off("t");
    AuditTrail.install(o, config(file, List.of(), 1024), TABLE).completed(request(1, HOME));
    o.close();
    List<Path> aside;
    try (Stream<Path> s = Files.list(tmp)) {
      aside = s.filter(p -> p.getFileName().toString().startsWith("audit.log.broken-")).toList();
    }
    assertEquals(1, aside.size());
    assertEquals("1", verify(aside.get(0))[0], "the old file still shows where it broke");
    assertEquals("genesis", new JsonObject(Files.readAllLines(file).get(0)).getString("type"));
    assertEquals("0", verify(file)[0]);
  }

  @Test
  void onlyTheListedRoutesAreAudited() throws Exception {
    Path file = tmp.resolve("some.log");
    Observability o = Observability.off("t");
    AuditTrail trail = AuditTrail.install(o, config(file, List.of("screen:home"), 1024), TABLE);
    trail.completed(request(1, HOME));
    trail.completed(request(2, POSTS));
    trail.completed(request(3, null)); // refused before routing
    o.close();
    List<String> lines = Files.readAllLines(file);
    assertEquals(3, lines.size(), String.join("\n", lines)); // genesis, the home request, closing checkpoint
    assertEquals("req-1", new JsonObject(lines.get(1)).getString("request_id"));
  }

  @Test
  void unknownRoutesAreAConfigError() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> AuditTrail.install(Observability.off("t"), config(tmp.resolve("x.log"), List.of("screen:hom", "screen:home"), 1024), TABLE));
    assertTrue(e.getMessage().contains("observe.audit.routes: [screen:hom] is not a route"), e.getMessage());
    assertTrue(e.getMessage().contains("the routes are proxy:/api/posts, screen:home"), e.getMessage());

    ConfigException folder = assertThrows(ConfigException.class,
        () -> AuditTrail.install(Observability.off("t"), config(tmp.resolve("no/such/dir/a.log"), List.of(), 1024), TABLE));
    assertTrue(folder.getMessage().contains("observe.audit.file"), folder.getMessage());
  }

  @Test
  void aFileHasOneWriterInTheProcess() {
    Path file = tmp.resolve("shared.log");
    Observability first = Observability.off("a");
    AuditTrail.install(first, config(file, List.of(), 1024), TABLE);
    ConfigException twice = assertThrows(ConfigException.class,
        () -> AuditTrail.install(Observability.off("b"), config(file, List.of(), 1024), TABLE));
    assertTrue(twice.getMessage().contains("observe.audit.file: " + file + " is already written"), twice.getMessage());
    BffConfig accessToIt = config(tmp.resolve("other.log"), List.of(), 1024);
    ObserveConfig oc = accessToIt.observe();
    ConfigException mixed = assertThrows(ConfigException.class, () -> AccessLog.install(Observability.off("c"),
        accessToIt.withObserve(new ObserveConfig(oc.metrics(), oc.tracing(),
            new ObserveConfig.AccessLog(true, file.toString(), 1 << 20, 2, 64), oc.audit(), oc.slos(), false))));
    assertTrue(mixed.getMessage().contains("observe.accessLog.file"), mixed.getMessage());
    first.close(); // released with its writer
    Observability again = Observability.off("b");
    assertNotNull(AuditTrail.install(again, config(file, List.of(), 1024), TABLE));
    again.close();
  }

  @Test
  void bodyDigestOfChunksIsTheDigestOfTheWhole() throws Exception {
    BodyDigest d = new BodyDigest();
    d.update(Buffer.buffer("hello "));
    d.update(Buffer.buffer("wor").appendString("ld"));
    d.update(Buffer.buffer());
    assertEquals(sha256("hello world"), d.hex());
    assertEquals(d.hex(), d.hex());
    assertEquals(sha256(""), new BodyDigest().hex());
  }
}
