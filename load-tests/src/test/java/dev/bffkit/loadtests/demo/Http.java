package dev.bffkit.loadtests.demo;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/** Small blocking HTTP helper for tests (the test thread is not a Vert.x thread). */
final class Http {
  record Resp(int status, String contentType, String location, Buffer body) {
    JsonObject json() {
      return (JsonObject) Json.decodeValue(body);
    }

    JsonArray array() {
      return (JsonArray) Json.decodeValue(body);
    }
  }

  private final HttpClient client;
  private final Context context;

  /**
   * All calls are issued from one event-loop context, not from the test thread: in Vert.x 5.0.7 a
   * response handled on another thread than its connection's can lose its end and hang
   * (eclipse-vertx/vert.x#6038, fixed by #6071 after 5.0.7); seen here as random 30 s timeouts.
   */
  Http(Vertx vertx) {
    this.context = vertx.getOrCreateContext();
    this.client = vertx.createHttpClient();
  }

  Resp get(int port, String uri) {
    return call(HttpMethod.GET, port, uri, null);
  }

  Resp call(HttpMethod method, int port, String uri, String body) {
    return await(send(method, port, uri, body));
  }

  Future<Resp> send(HttpMethod method, int port, String uri, String body) {
    return send(method, port, uri, java.util.Map.of(), body == null ? null : Buffer.buffer(body));
  }

  /** With request headers and a binary body. */
  Future<Resp> send(HttpMethod method, int port, String uri, java.util.Map<String, String> headers, Buffer body) {
    RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(uri);
    headers.forEach(o::putHeader);
    Promise<Resp> promise = Promise.promise();
    context.runOnContext(v -> client.request(o)
        .compose(req -> body == null ? req.send() : req.send(body))
        .compose(resp -> resp.body().map(b -> new Resp(resp.statusCode(), resp.getHeader("content-type"),
            resp.getHeader("location"), b)))
        .onComplete(promise));
    return promise.future();
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("call failed: " + e, e);
    }
  }
}
