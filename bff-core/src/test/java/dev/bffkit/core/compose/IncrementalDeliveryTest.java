package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code @defer} over {@code multipart/mixed; deferSpec=20220824} against a real BFF and a real service whose slow
 * call is held on a gate: the first part arrives while the deferred field's call is still held (proof without
 * timing), the deferred payload follows when the gate opens; a JSON-only client gets one answer with everything;
 * nested defers in list items, failures inside a deferred fragment, {@code if: false}, ad-hoc queries, the framing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IncrementalDeliveryTest {
  static final String MULTIPART = "multipart/mixed;deferSpec=20220824,application/json";
  static final String SCHEMA = """
      type Query {
        fast: Item @rest(service: "up", path: "/fast")
        slow: Item @rest(service: "up", path: "/slow")
        broken: Item @rest(service: "up", path: "/broken")
        list: [Item] @rest(service: "up", path: "/list")
      }
      type Item { id: ID name: String more: Item @rest(service: "up", path: "/more/{source.id}") }
      """;

  @TempDir static Path dir;
  Vertx vertx;
  HttpServer upstream;
  HttpClient client;
  OnLoop loop;
  Bff.RunningBff bff;
  final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  volatile Promise<Void> gate = Promise.promise();

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(this::serve).listen(0, "127.0.0.1").await();
    bff = Bff.start(vertx, bundle()).await();
    client = vertx.createHttpClient();
    loop = new OnLoop(vertx.getOrCreateContext());
  }

  @AfterAll
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private void serve(HttpServerRequest req) {
    String path = req.path();
    calls.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
    req.response().putHeader("content-type", "application/json");
    switch (path) {
      case "/fast" -> req.response().end("{\"id\":\"f\",\"name\":\"fast\"}");
      case "/slow" -> gate.future().onComplete(x -> req.response().end("{\"id\":\"s\",\"name\":\"slow\"}"));
      case "/broken" -> req.response().setStatusCode(500).end("{}");
      case "/list" -> req.response().end("[{\"id\":\"a\"},{\"id\":\"b\"}]");
      default -> req.response().end(new JsonObject().put("id", "more-" + path.substring(path.lastIndexOf('/') + 1)).encode());
    }
  }

  ClientBundle bundle() throws Exception {
    Path folder = dir.resolve("bff");
    Files.createDirectories(folder.resolve("screens"));
    Files.writeString(folder.resolve("bff.yaml"), """
        name: deferred
        server: { host: 127.0.0.1, port: 0, instances: 2 }
        composition: { deadline: 10s }
        limits: { graphql: { introspection: true } }
        services:
          up: { endpoints: ["http://127.0.0.1:%d"], timeout: 9s }
        """.formatted(upstream.actualPort()));
    Files.writeString(folder.resolve("schema.graphqls"), SCHEMA);
    Files.writeString(folder.resolve("screens/home.graphql"),
        "query Home { fast { id } ... @defer(label: \"slow\") { slow { id name } } }");
    Files.writeString(folder.resolve("screens/rows.graphql"),
        "query Rows { list { id ... @defer(label: \"more\") { more { id } } } }");
    Files.writeString(folder.resolve("screens/failing.graphql"),
        "query Failing { fast { id } ...Late @defer }\nfragment Late on Query { broken { id } }");
    Files.writeString(folder.resolve("screens/props.graphql"),
        "query Props { fast { id ... @defer(label: \"name\") { name } } }");
    Files.writeString(folder.resolve("screens/notdeferred.graphql"),
        "query NotDeferred { fast { id } ... @defer(if: false) { list { id } } }");
    return BundleLoader.load(folder, Map.<String, String>of()::get);
  }

  /** A response read chunk by chunk: what has arrived so far, and its end. */
  static final class Reading {
    final StringBuffer text = new StringBuffer();
    final Promise<Void> ended = Promise.promise();
    volatile int status;
    volatile MultiMap headers;
  }

  Reading get(String uri, String accept) throws Exception {
    return read(HttpMethod.GET, uri, accept, null);
  }

  Reading read(HttpMethod method, String uri, String accept, String body) throws Exception {
    Reading r = new Reading();
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(bff.port()).setMethod(method).setURI(uri)
        .addHeader("accept", accept);
    if (body != null) o.addHeader("content-type", "application/json");
    loop.run(() -> client.request(o).compose(req -> body == null ? req.send() : req.send(body)).map(resp -> {
      r.status = resp.statusCode();
      r.headers = resp.headers();
      resp.handler(b -> r.text.append(b.toString()));
      resp.endHandler(v -> r.ended.complete());
      return (Void) null;
    })).await(10, TimeUnit.SECONDS);
    return r;
  }

  /** The JSON payloads of a multipart body, checking its framing as Apollo Router sends it. */
  static List<JsonObject> parts(String body) {
    assertTrue(body.startsWith("\r\n--graphql\r\n"), body);
    assertTrue(body.endsWith("\r\n--graphql--\r\n"), body);
    List<JsonObject> out = new ArrayList<>();
    String inner = body.substring("\r\n--graphql".length(), body.length() - "\r\n--graphql--\r\n".length());
    for (String part : inner.split("\r\n--graphql", -1)) {
      assertTrue(part.startsWith("\r\ncontent-type: application/json; charset=utf-8\r\n\r\n"), part);
      out.add(new JsonObject(part.substring(part.indexOf("\r\n\r\n") + 4)));
    }
    return out;
  }

  static void until(Reading r, int delimiters, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (r.text.toString().split("\r\n--graphql", -1).length - 1 < delimiters) {
      if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what + ": " + r.text);
      Thread.sleep(5);
    }
  }

  @Test
  void theFirstPartArrivesWhileTheDeferredCallIsStillHeldAndTheRestFollows() throws Exception {
    gate = Promise.promise();
    int slowBefore = calls.getOrDefault("/slow", new AtomicInteger()).get();
    Reading r = get("/v1/screens/home", MULTIPART);
    until(r, 2, "the first part"); // its opening and closing delimiters
    assertEquals(200, r.status);
    assertEquals("multipart/mixed;boundary=\"graphql\";deferSpec=20220824", r.headers.get("content-type"));
    assertFalse(r.headers.contains("etag"));
    assertFalse(r.ended.future().isComplete(), "the answer waits for the deferred field");
    // the deferred call started with the others: it is held at the service, not waiting for the first part
    assertEquals(slowBefore + 1, calls.get("/slow").get());
    String first = r.text.toString();
    assertEquals(new JsonObject("{\"data\":{\"fast\":{\"id\":\"f\"}},\"hasNext\":true}"),
        new JsonObject(first.substring(first.indexOf("\r\n\r\n") + 4, first.lastIndexOf("\r\n--graphql"))));
    gate.complete();
    r.ended.future().await(10, TimeUnit.SECONDS);
    List<JsonObject> parts = parts(r.text.toString());
    assertEquals(2, parts.size(), r.text.toString());
    assertEquals(new JsonObject("{\"incremental\":[{\"data\":{\"slow\":{\"id\":\"s\",\"name\":\"slow\"}},\"path\":[],"
        + "\"label\":\"slow\"}],\"hasNext\":false}"), parts.get(1));
  }

  @Test
  void aClientThatTakesOnlyJsonGetsOneAnswerWithEverythingInline() throws Exception {
    gate = Promise.promise();
    gate.complete();
    Reading r = get("/v1/screens/home", "application/json");
    r.ended.future().await(10, TimeUnit.SECONDS);
    assertEquals(200, r.status);
    assertTrue(r.headers.get("content-type").startsWith("application/json"), r.headers.get("content-type"));
    assertEquals(new JsonObject("{\"data\":{\"fast\":{\"id\":\"f\"},\"slow\":{\"id\":\"s\",\"name\":\"slow\"}}}"),
        new JsonObject(r.text.toString()));
  }

  @Test
  void deferredFragmentsInListItemsComeWithTheirItemsPath() throws Exception {
    Reading r = get("/v1/screens/rows", MULTIPART);
    r.ended.future().await(10, TimeUnit.SECONDS);
    List<JsonObject> parts = parts(r.text.toString());
    assertEquals(new JsonObject("{\"data\":{\"list\":[{\"id\":\"a\"},{\"id\":\"b\"}]},\"hasNext\":true}"), parts.get(0));
    List<Object> paths = new ArrayList<>();
    JsonObject byPath = new JsonObject();
    for (JsonObject p : parts.subList(1, parts.size())) {
      for (Object o : p.getJsonArray("incremental")) {
        JsonObject inc = (JsonObject) o;
        paths.add(inc.getJsonArray("path"));
        assertEquals("more", inc.getString("label"));
        byPath.put(inc.getJsonArray("path").encode(), inc.getJsonObject("data"));
      }
    }
    assertEquals(2, paths.size(), r.text.toString());
    assertEquals(new JsonObject().put("more", new JsonObject().put("id", "more-a")), byPath.getJsonObject("[\"list\",0]"));
    assertEquals(new JsonObject().put("more", new JsonObject().put("id", "more-b")), byPath.getJsonObject("[\"list\",1]"));
    assertFalse(parts.get(parts.size() - 1).getBoolean("hasNext"));
  }

  @Test
  void aDeferredFieldReadFromItsObjectsOwnAnswerIsKeptForIt() throws Exception {
    // name comes from the same /fast answer as id: the answer's projection must keep it for the later payload
    Reading r = get("/v1/screens/props", MULTIPART);
    r.ended.future().await(10, TimeUnit.SECONDS);
    List<JsonObject> parts = parts(r.text.toString());
    assertEquals(new JsonObject("{\"data\":{\"fast\":{\"id\":\"f\"}},\"hasNext\":true}"), parts.get(0));
    assertEquals(new JsonObject("{\"incremental\":[{\"data\":{\"name\":\"fast\"},\"path\":[\"fast\"],"
        + "\"label\":\"name\"}],\"hasNext\":false}"), parts.get(1));
  }

  @Test
  void aFailureInsideADeferredFragmentIsThatPayloadsError() throws Exception {
    Reading r = get("/v1/screens/failing", MULTIPART);
    r.ended.future().await(10, TimeUnit.SECONDS);
    assertEquals(200, r.status);
    List<JsonObject> parts = parts(r.text.toString());
    assertEquals(new JsonObject("{\"data\":{\"fast\":{\"id\":\"f\"}},\"hasNext\":true}"), parts.get(0));
    JsonObject inc = parts.get(1).getJsonArray("incremental").getJsonObject(0);
    assertEquals(new JsonObject().putNull("broken"), inc.getJsonObject("data"));
    JsonArray errors = inc.getJsonArray("errors");
    assertEquals(1, errors.size(), inc.encode());
    assertEquals(new JsonArray().add("broken"), errors.getJsonObject(0).getJsonArray("path"));
    assertFalse(r.headers.contains("x-bff-partial"), "the initial payload was whole");
  }

  @Test
  void ifFalseAndOperationsWithoutDeferAnswerInOnePayload() throws Exception {
    Reading r = get("/v1/screens/notdeferred", MULTIPART);
    r.ended.future().await(10, TimeUnit.SECONDS);
    assertTrue(r.headers.get("content-type").startsWith("application/json"), r.headers.get("content-type"));
    assertEquals(new JsonObject("{\"data\":{\"fast\":{\"id\":\"f\"},\"list\":[{\"id\":\"a\"},{\"id\":\"b\"}]}}"),
        new JsonObject(r.text.toString()));
  }

  @Test
  void adHocQueriesDeferToo() throws Exception {
    gate = Promise.promise();
    gate.complete();
    String body = new JsonObject().put("query", "{ fast { name } ... @defer { slow { name } } }").encode();
    Reading r = read(HttpMethod.POST, "/graphql", MULTIPART, body);
    r.ended.future().await(10, TimeUnit.SECONDS);
    List<JsonObject> parts = parts(r.text.toString());
    assertEquals(new JsonObject("{\"data\":{\"fast\":{\"name\":\"fast\"}},\"hasNext\":true}"), parts.get(0));
    assertEquals(new JsonObject("{\"incremental\":[{\"data\":{\"slow\":{\"name\":\"slow\"}},\"path\":[]}],"
        + "\"hasNext\":false}"), parts.get(1));
    // and @stream is known: accepted, the list delivered whole
    String streamed = new JsonObject().put("query", "{ list @stream(initialCount: 1) { id } }").encode();
    Reading s = read(HttpMethod.POST, "/graphql", MULTIPART, streamed);
    s.ended.future().await(10, TimeUnit.SECONDS);
    assertEquals(new JsonObject("{\"data\":{\"list\":[{\"id\":\"a\"},{\"id\":\"b\"}]}}"), new JsonObject(s.text.toString()));
  }

  @Test
  void introspectionListsDeferAndStream() throws Exception {
    String body = new JsonObject().put("query", "{ __schema { directives { name } } }").encode();
    Reading r = read(HttpMethod.POST, "/graphql", "application/json", body);
    r.ended.future().await(10, TimeUnit.SECONDS);
    String names = new JsonObject(r.text.toString()).getJsonObject("data").getJsonObject("__schema")
        .getJsonArray("directives").encode();
    assertTrue(names.contains("\"defer\"") && names.contains("\"stream\""), names);
  }

  @Test
  void acceptHeadersThatAskForParts() {
    assertTrue(AcceptedMedia.multipartDefer("multipart/mixed;deferSpec=20220824,application/json"));
    assertTrue(AcceptedMedia.multipartDefer("multipart/mixed; deferSpec=\"20220824\", application/json;q=0.9"));
    assertTrue(AcceptedMedia.multipartDefer("application/json, multipart/mixed"));
    assertTrue(AcceptedMedia.multipartDefer("MULTIPART/MIXED;q=0.5"));
    assertFalse(AcceptedMedia.multipartDefer(null));
    assertFalse(AcceptedMedia.multipartDefer("application/json"));
    assertFalse(AcceptedMedia.multipartDefer("*/*"));
    assertFalse(AcceptedMedia.multipartDefer("multipart/mixed;q=0"));
    assertFalse(AcceptedMedia.multipartDefer("multipart/mixed;deferSpec=20230621"));
    assertFalse(AcceptedMedia.multipartDefer("multipart/mixed;subscriptionSpec=1.0;q=abc"));
  }
}
