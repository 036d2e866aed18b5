package dev.bffkit.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.LimitsConfig;
import dev.bffkit.core.config.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Hostile input at the edge: oversized heads, URIs and bodies, broken JSON, GraphQL bombs,
 * slowloris and connection floods. After each bad case the same server answers a normal request
 * exactly as before.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EdgeLimitsTest {
  static final String SCHEMA = "type Query { me: Node @rest(service: \"up\", path: \"/node\") }\ntype Node { id: ID, next: Node }\n";
  static final String GOOD = "{\"query\":\"{ me { id next { id } } }\"}";
  static final String GOOD_ANSWER = "{\"data\":{\"me\":{\"id\":\"1\",\"next\":{\"id\":\"2\"}}}}";

  Vertx vertx;
  HttpServer upstream;
  Bff.RunningBff bff;
  HttpClient client;
  OnLoop loop;

  record Answer(int status, String body) {}

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> req.response().putHeader("content-type", "application/json")
        .end("{\"id\":\"1\",\"next\":{\"id\":\"2\",\"next\":null}}")).listen(0, "127.0.0.1").await();
    // h2c off: Vert.x then hands each connection over at connect, so the guard sees slow heads.
    ServerConfig server = new ServerConfig("127.0.0.1", 0, 1, Duration.ofSeconds(1), Duration.ofSeconds(30), 4096, 4096, false);
    ClientBundle b = TestBundles.bundle(server, Duration.ofSeconds(5),
        Map.of("up", TestBundles.service("up", upstream.actualPort())), List.of(), SCHEMA, Map.of());
    LimitsConfig limits = new LimitsConfig(1024, Duration.ofMillis(400), 40,
        new LimitsConfig.Graphql(5, 3, 4, 300, 200, false, true));
    b = new ClientBundle(b.config().withLimits(limits), b.schema(), b.screens());
    bff = Bff.start(vertx, b).await();
    // No keep-alive: bad requests make the server close their connection, and idle ones close
    // after the short header-read timeout; a reused connection could race either close.
    client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(false));
    loop = new OnLoop(vertx.getOrCreateContext());
  }

  @AfterAll
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  Answer send(HttpMethod method, String uri, Buffer body, String... headers) throws Exception {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(bff.port()).setMethod(method).setURI(uri);
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < headers.length; i += 2) h.add(headers[i], headers[i + 1]);
    o.setHeaders(h);
    return loop.run(() -> client.request(o)
            .compose(req -> body == null ? req.send() : req.send(body))
            .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b.toString()))))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  Answer graphql(String body) throws Exception {
    return send(HttpMethod.POST, "/graphql", Buffer.buffer(body), "content-type", "application/json");
  }

  Answer graphql(byte[] body) throws Exception {
    return send(HttpMethod.POST, "/graphql", Buffer.buffer(body), "content-type", "application/json");
  }

  void goodStillWorks() throws Exception {
    Answer a = graphql(GOOD);
    assertEquals(200, a.status(), a.body());
    assertEquals(new JsonObject(GOOD_ANSWER), new JsonObject(a.body()));
  }

  static String code(Answer a) {
    return new JsonObject(a.body()).getJsonArray("errors").getJsonObject(0).getJsonObject("extensions").getString("code");
  }

  @Test
  void oversizedHeadUriAndBody() throws Exception {
    assertEquals(431, send(HttpMethod.GET, "/healthz", null, "x-big", "a".repeat(8000)).status());
    goodStillWorks();
    assertEquals(414, send(HttpMethod.GET, "/healthz?" + "q".repeat(2000), null).status());
    goodStillWorks();
    Answer big = graphql("{\"query\":\"{ me { id } }\",\"pad\":\"" + "x".repeat(8000) + "\"}");
    assertEquals(413, big.status(), big.body());
    goodStillWorks();
  }

  @Test
  void brokenJson() throws Exception {
    assertEquals(400, graphql("[".repeat(1500) + "]".repeat(1500)).status()); // nested past the JSON parser's limit
    goodStillWorks();
    assertEquals(400, graphql("{\"query\":" + "{\"a\":".repeat(500) + "1" + "}".repeat(501)).status());
    goodStillWorks();
    byte[] bad = "{\"query\":\"{ me { id } }\",\"x\":\"\u00ff\u00fe\"}".getBytes(StandardCharsets.ISO_8859_1);
    assertEquals(400, graphql(bad).status(), "invalid UTF-8");
    goodStillWorks();
    assertEquals(400, graphql("[" + GOOD + "," + GOOD + "]").status(), "batches are refused");
    goodStillWorks();
  }

  @Test
  void graphqlBombs() throws Exception {
    Answer deep = graphql("{\"query\":\"{ me { next { next { next { next { next { id } } } } } } }\"}");
    assertEquals(400, deep.status(), deep.body());
    assertEquals("QUERY_TOO_DEEP", code(deep));
    goodStillWorks();
    Answer aliases = graphql("{\"query\":\"{ a: me { id } b: me { id } c: me { id } d: me { id } }\"}");
    assertEquals("TOO_MANY_ALIASES", code(aliases));
    goodStillWorks();
    Answer roots = graphql("{\"query\":\"{ me { id } me { id } me { id } me { id } me { id } }\"}");
    assertEquals("TOO_MANY_ROOT_FIELDS", code(roots));
    goodStillWorks();
    Answer cycle = graphql("{\"query\":\"{ me { ...A } } fragment A on Node { next { ...B } } fragment B on Node { next { ...A } }\"}");
    assertEquals("FRAGMENT_CYCLE", code(cycle));
    goodStillWorks();
    // Fragments spread twice per level: exponential if expanded, linear when each is measured once.
    StringBuilder frag = new StringBuilder("{ me { ...F0 } }");
    for (int i = 0; i < 40; i++) frag.append(" fragment F").append(i).append(" on Node { id ...F").append(i + 1).append(" ...F").append(i + 1).append(" }");
    frag.append(" fragment F40 on Node { id }");
    Answer bomb = graphql(new JsonObject().put("query", frag.toString()).encode());
    assertEquals(400, bomb.status(), bomb.body());
    goodStillWorks();
    Answer tokens = graphql(new JsonObject().put("query", "{ me { " + "id ".repeat(400) + "} }").encode());
    assertEquals("QUERY_TOO_LARGE", code(tokens));
    goodStillWorks();
    Answer costly = graphql("{\"query\":\"{ me(first: 500) { id } }\"}");
    assertEquals("QUERY_TOO_COSTLY", code(costly));
    goodStillWorks();
    Answer introspection = graphql("{\"query\":\"{ __schema { types { name } } }\"}");
    assertEquals("INTROSPECTION_DISABLED", code(introspection));
    goodStillWorks();
  }

  @Test
  void automaticPersistedQueries() throws Exception {
    String query = "{ me { id next { id } } }";
    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(query.getBytes(StandardCharsets.UTF_8)));
    JsonObject ext = new JsonObject().put("persistedQuery", new JsonObject().put("version", 1).put("sha256Hash", hash));
    Answer miss = graphql(new JsonObject().put("extensions", ext).encode());
    assertEquals(200, miss.status());
    assertEquals("PERSISTED_QUERY_NOT_FOUND", code(miss));
    Answer wrong = graphql(new JsonObject().put("query", "{ me { id } }").put("extensions", ext).encode());
    assertEquals("PERSISTED_QUERY_HASH_MISMATCH", code(wrong));
    Answer register = graphql(new JsonObject().put("query", query).put("extensions", ext).encode());
    assertEquals(new JsonObject(GOOD_ANSWER), new JsonObject(register.body()));
    Answer hit = graphql(new JsonObject().put("extensions", ext).encode());
    assertEquals(new JsonObject(GOOD_ANSWER), new JsonObject(hit.body()));
    Answer get = send(HttpMethod.GET, "/graphql?extensions=" + java.net.URLEncoder.encode(ext.encode(), StandardCharsets.UTF_8), null);
    assertEquals(new JsonObject(GOOD_ANSWER), new JsonObject(get.body()));
  }

  /** True when the server has closed the socket (end of stream or reset); waits at most {@code ms}. */
  private static boolean closedByServer(Socket s, int ms) throws IOException {
    s.setSoTimeout(ms);
    try {
      return s.getInputStream().read() < 0;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  @Test
  void slowlorisConnectionsAreClosedAndOthersAreServed() throws Exception {
    byte[] head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
    List<Socket> slow = new ArrayList<>();
    for (int i = 0; i < 20; i++) slow.add(new Socket("127.0.0.1", bff.port()));
    boolean[] closed = new boolean[slow.size()];
    int open = slow.size();
    // One byte a step on every socket still open, never finishing the head; bounded number of steps.
    for (int step = 0; step < head.length && open > 0; step++) {
      for (int i = 0; i < slow.size(); i++) {
        if (closed[i]) continue;
        try {
          slow.get(i).getOutputStream().write(head[step]);
          slow.get(i).getOutputStream().flush();
        } catch (IOException e) {
          closed[i] = true;
          open--;
          continue;
        }
        if (closedByServer(slow.get(i), 5)) {
          closed[i] = true;
          open--;
        }
      }
      if (step == 2) goodStillWorks(); // served while the slow ones hang on
      Thread.sleep(100);
    }
    for (int i = 0; i < slow.size(); i++) {
      if (!closed[i]) closed[i] = closedByServer(slow.get(i), 5000);
      assertTrue(closed[i], "slow connection " + i + " still open");
      slow.get(i).close();
    }
    goodStillWorks();
  }

  /**
   * The header-read timeout (400 ms here) runs from a keep-alive connection's last response, not from its opening:
   * requests every 150 ms for over a second keep it open; then a head that never completes is closed.
   */
  @Test
  void aKeepAliveConnectionIsJudgedFromItsLastResponse() throws Exception {
    try (Socket s = new Socket("127.0.0.1", bff.port())) {
      byte[] get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
      long t0 = System.nanoTime();
      for (int i = 0; i < 8; i++) {
        s.getOutputStream().write(get);
        s.getOutputStream().flush();
        assertTrue(readResponse(s).startsWith("HTTP/1.1 200"), "request " + i);
        Thread.sleep(150);
      }
      assertTrue(System.nanoTime() - t0 > 1_000_000_000L, "the connection lived past the timeout");
      s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      long sent = System.nanoTime();
      assertTrue(closedByServer(s, 5000), "a head left unfinished after the last response is closed");
      long ms = (System.nanoTime() - sent) / 1_000_000;
      assertTrue(ms >= 150 && ms < 3000, "closed " + ms + " ms after the partial head (timeout 400 ms from the last response)");
    }
  }

  /** One response's head and its Content-Length body. */
  private static String readResponse(Socket s) throws IOException {
    s.setSoTimeout(5000);
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) throw new EOFException("closed mid-head: " + head);
      head.append((char) c);
    }
    Matcher m = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
    int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
    in.readNBytes(length);
    return head.toString();
  }

  @Test
  void withAdhocOffOnlyRegisteredQueriesRun() throws Exception {
    String screen = "query Me { me { id next { id } } }";
    ClientBundle b = TestBundles.bundle(TestBundles.server(Duration.ofSeconds(1)), Duration.ofSeconds(5),
        Map.of("up", TestBundles.service("up", upstream.actualPort())), List.of(), SCHEMA, Map.of("me", screen));
    dev.bffkit.core.config.BffConfig c = b.config();
    c = new dev.bffkit.core.config.BffConfig(c.name(), c.server(), new dev.bffkit.core.config.CompositionConfig(
        Duration.ofSeconds(5), false, "/graphql", "/v1/screens", 100), c.services(), c.routes());
    Bff.RunningBff main = bff;
    bff = Bff.start(vertx, new ClientBundle(c, b.schema(), b.screens())).await();
    try {
      String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(screen.getBytes(StandardCharsets.UTF_8)));
      JsonObject ext = new JsonObject().put("persistedQuery", new JsonObject().put("version", 1).put("sha256Hash", hash));
      assertEquals(new JsonObject(GOOD_ANSWER), new JsonObject(graphql(new JsonObject().put("extensions", ext).encode()).body()));
      assertEquals(new JsonObject(GOOD_ANSWER), new JsonObject(graphql(new JsonObject().put("query", screen).encode()).body()));
      assertEquals("ADHOC_DISABLED", code(graphql(GOOD)));
      JsonObject other = new JsonObject().put("persistedQuery", new JsonObject().put("version", 1).put("sha256Hash", "0".repeat(64)));
      assertEquals("PERSISTED_QUERY_NOT_FOUND", code(graphql(new JsonObject().put("extensions", other).encode())));
      // Registering a new query is not possible either.
      String q = "{ me { id } }";
      String h = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(q.getBytes(StandardCharsets.UTF_8)));
      assertEquals("ADHOC_DISABLED", code(graphql(new JsonObject().put("query", q).put("extensions",
          new JsonObject().put("persistedQuery", new JsonObject().put("version", 1).put("sha256Hash", h))).encode())));
    } finally {
      bff.close().await(10, TimeUnit.SECONDS);
      bff = main;
    }
  }

  @Test
  void connectionsBeyondTheLimitAreClosed() throws Exception {
    // A BFF of its own whose header-read timeout does not close the held connections first.
    ServerConfig server = new ServerConfig("127.0.0.1", 0, 1, Duration.ofSeconds(1), Duration.ofSeconds(30), 4096, 4096, false);
    ClientBundle b = TestBundles.bundle(server, Duration.ofSeconds(5),
        Map.of("up", TestBundles.service("up", upstream.actualPort())), List.of(), SCHEMA, Map.of());
    b = new ClientBundle(b.config().withLimits(new LimitsConfig(1024, Duration.ofSeconds(60), 40,
        LimitsConfig.Graphql.defaults())), b.schema(), b.screens());
    Bff.RunningBff main = bff;
    bff = Bff.start(vertx, b).await();
    try {
      limitConnections();
    } finally {
      bff.close().await(10, TimeUnit.SECONDS);
      bff = main;
    }
  }

  private void limitConnections() throws Exception {
    List<Socket> held = new ArrayList<>();
    boolean refused = false;
    for (int i = 0; i < 60 && !refused; i++) { // the limit is 40
      Socket s = new Socket("127.0.0.1", bff.port());
      s.getOutputStream().write('G'); // the server sees an HTTP connection once a first byte arrives
      s.getOutputStream().flush();
      held.add(s);
      refused = closedByServer(s, 50);
    }
    assertTrue(refused, "no connection was refused");
    assertTrue(held.size() > 30, "refused too early: " + held.size());
    for (Socket s : held) s.close();
    // Freed slots serve again (bounded retries while the server sees the closes).
    Answer a = null;
    for (int i = 0; i < 50; i++) {
      try {
        a = graphql(GOOD);
        if (a.status() == 200) break;
      } catch (Exception e) {
        Thread.sleep(20);
      }
    }
    assertTrue(a != null && a.status() == 200);
  }
}
