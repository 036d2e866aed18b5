package dev.bffkit.core.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.config.ClientBundle;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A BFF opens its gRPC connections as it starts, so its first request does not pay the HTTP/2
 * handshake against a field's {@code @timeout}; no call reaches the service by doing so, and a
 * gRPC service that is down does not stop (or hang) the start.
 */
class GrpcPreconnectTest {
  private Vertx vertx;
  private InteropServer server;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    server = new InteropServer();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void connectionsAreOpenWhenTheBffIsReadyAndNoCallWasMade() throws Exception {
    ClientBundle bundle = GrpcInteropTest.bundle(GrpcInteropTest.SCHEMA, server.port()).withPort(0);
    Bff.RunningBff bff = Bff.start(vertx, bundle).await(20, TimeUnit.SECONDS);
    long until = System.currentTimeMillis() + 5_000;
    while (server.transports.get() == 0 && System.currentTimeMillis() < until) Thread.sleep(5);
    Thread.sleep(100); // every loop's handshake, not just the first
    int opened = server.transports.get();
    assertTrue(opened >= 1, "HTTP/2 connections open as the BFF becomes ready, before any call: " + opened);
    assertEquals(0, server.calls.get(), "opening a connection sends no call");

    OnLoop loop = new OnLoop(vertx.getOrCreateContext());
    var client = vertx.createHttpClient();
    Buffer body = loop.run(() -> client.request(new RequestOptions().setMethod(HttpMethod.POST)
            .setHost("127.0.0.1").setPort(bff.port()).setURI("/graphql").putHeader("content-type", "application/json"))
        .compose(r -> r.send("{\"query\":\"{ echoId(id: \\\"a1\\\") }\"}"))
        .compose(r -> r.body())).await(10, TimeUnit.SECONDS);
    assertEquals("{\"data\":{\"echoId\":\"a1\"}}", body.toString());
    assertEquals(1, server.calls.get());
    assertEquals(opened, server.transports.get(), "the first call used a connection opened at start");
    bff.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aGrpcServiceThatIsDownDoesNotStopTheStart() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    ClientBundle bundle = GrpcInteropTest.bundle(GrpcInteropTest.SCHEMA, closedPort).withPort(0);
    long t0 = System.nanoTime();
    Bff.RunningBff bff = Bff.start(vertx, bundle).await(20, TimeUnit.SECONDS);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertTrue(bff.port() > 0);
    assertTrue(ms < 10_000, "start bounded by the connect timeout, took " + ms + " ms");
    bff.close().await(10, TimeUnit.SECONDS);
  }
}
