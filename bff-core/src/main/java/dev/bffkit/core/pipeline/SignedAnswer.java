package dev.bffkit.core.pipeline;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.WriteStream;

/**
 * The answer as a stream whose chunks go through {@link Exchange#write} and {@link Exchange#end},
 * so an audited route's relayed body is signed as the client gets it, and a route's filters see it. Used only where
 * the route is audited or filtered: the plain relay writes to the response itself.
 */
public final class SignedAnswer implements WriteStream<Buffer> {
  private final Exchange ex;
  private final HttpServerResponse resp;

  public SignedAnswer(Exchange ex) {
    this.ex = ex;
    this.resp = ex.response();
  }

  @Override
  public SignedAnswer exceptionHandler(Handler<Throwable> handler) {
    resp.exceptionHandler(handler);
    return this;
  }

  @Override
  public Future<Void> write(Buffer data) {
    return ex.write(data);
  }

  @Override
  public Future<Void> end() {
    return ex.end();
  }

  @Override
  public Future<Void> end(Buffer data) {
    return ex.end(data);
  }

  @Override
  public SignedAnswer setWriteQueueMaxSize(int maxSize) {
    resp.setWriteQueueMaxSize(maxSize);
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    // a filter that answered or failed closed ended the response while the relay still flows: its chunks are dropped
    return !resp.ended() && resp.writeQueueFull();
  }

  @Override
  public SignedAnswer drainHandler(Handler<Void> handler) {
    resp.drainHandler(handler);
    return this;
  }
}
