package dev.bffkit.core.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Vert.x's HTTP/1.x request decoder, refusing a request that carries both Content-Length and
 * Transfer-Encoding: chunked. Netty's default removes the Content-Length and reads the body as
 * chunked, which RFC 9112 §6.1 allows only if the connection is closed after the response; the
 * same section says such a message "ought to be handled as an error" (request smuggling, §11.2),
 * and the issue asks for 400 and close, as nginx and Tomcat answer. Throwing from the header hook
 * turns the message into Netty's invalid message, which Vert.x answers 400 and closes.
 *
 * <p>This swaps a Vert.x internal class ({@code io.vertx.core.http.impl}) into the connection's
 * pipeline: no public hook exists. It is installed from the connection handler, before any byte is
 * decoded; with {@code server.h2c} on, Vert.x hands a cleartext connection over only after its first
 * request head, so that first request keeps Netty's treatment (drop the length, then EdgeStage
 * closes after the answer). Upgrades of Vert.x must keep {@code StrictRequestDecoderTest} green.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {
  private static final String NAME = "httpDecoder";

  StrictRequestDecoder(HttpServerOptions options) {
    super(options);
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    throw new IllegalArgumentException("Content-Length and Transfer-Encoding together (RFC 9112 §6.1)");
  }

  /** Replaces Vert.x's decoder on an HTTP/1.x connection; h2 connections have none and are left alone. */
  static void install(HttpConnection conn, HttpServerOptions options) {
    if (!(conn instanceof ConnectionBase base)) return;
    ChannelPipeline pipeline = base.channel().pipeline();
    ChannelHandler decoder = pipeline.get(NAME);
    if (decoder instanceof VertxHttpRequestDecoder && !(decoder instanceof StrictRequestDecoder)) {
      pipeline.replace(NAME, NAME, new StrictRequestDecoder(options));
    }
  }
}
