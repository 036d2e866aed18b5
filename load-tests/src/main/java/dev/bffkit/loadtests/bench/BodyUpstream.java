package dev.bffkit.loadtests.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The wasm scenario's upstream of sized answers: {@code GET /blob/{kib}} answers a JSON document of exactly that many
 * KiB (1..1024), a list of records with ids, an e-mail address, a phone number, a count and text: digits for the
 * load test's body filter to mask, addresses for a PII redactor (the AssemblyScript example) to find. Bodies are built once per size and sent from memory; {@code /readyz} answers "ready".
 * Its own process, as every system of the bench.
 *
 * <pre>java -cp bff-demo.jar dev.bffkit.loadtests.bench.BodyUpstream --port N</pre>
 */
public final class BodyUpstream {
  static final int MAX_KIB = 1024;

  private BodyUpstream() {}

  public static void main(String[] args) {
    int port = 0;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--port")) port = Integer.parseInt(args[++i]);
      else {
        System.err.println("usage: BodyUpstream --port N");
        System.exit(2);
      }
    }
    Vertx vertx = Vertx.builder().with(new VertxOptions().setPreferNativeTransport(true)).build();
    Buffer[] bodies = new Buffer[MAX_KIB + 1];
    int p = port;
    vertx.createHttpServer().requestHandler(req -> {
      String path = req.path();
      if (path.equals("/readyz")) {
        req.response().end("ready");
        return;
      }
      int kib = path.startsWith("/blob/") ? parse(path.substring(6)) : -1;
      if (kib < 1 || kib > MAX_KIB) {
        req.response().setStatusCode(404).end();
        return;
      }
      Buffer b = bodies[kib];
      if (b == null) bodies[kib] = b = Buffer.buffer(json(kib * 1024));
      req.response().putHeader("content-type", "application/json").end(b);
    }).listen(p, "127.0.0.1").onSuccess(s -> System.err.println("body upstream event=ready port=" + s.actualPort()))
        .onFailure(e -> {
          System.err.println("body upstream failed to start: " + e);
          System.exit(1);
        });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().await(5, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
    }));
  }

  private static int parse(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** A JSON document of exactly {@code size} bytes: {@code {"items":[{...},...],"pad":"..."}}. */
  static byte[] json(int size) {
    StringBuilder b = new StringBuilder(size).append("{\"items\":[");
    String end = "],\"pad\":\"\"}";
    for (int i = 0; ; i++) {
      String item = (i > 0 ? "," : "") + "{\"id\":\"u" + (100000 + i) + "\",\"email\":\"user" + i + "@example.com\","
          + "\"phone\":\"+33 6 12 34 " + (10 + i % 90) + " " + (10 + i * 7 % 90) + "\",\"likes\":" + (i * 37 % 1000)
          + ",\"text\":\"lorem ipsum dolor sit amet\"}";
      if (b.length() + item.length() + end.length() > size) break;
      b.append(item);
    }
    b.append("],\"pad\":\"");
    while (b.length() < size - 2) b.append('x');
    b.append("\"}");
    byte[] out = b.toString().getBytes(StandardCharsets.US_ASCII);
    if (out.length != size) throw new IllegalStateException("built " + out.length + " bytes for " + size);
    return out;
  }
}
