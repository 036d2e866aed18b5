package dev.bffkit.loadtests.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bffkit.core.upstream.GrpcHealthProto;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The demo's gRPC servers answer the standard health check ({@code grpc.health.v1.Health/Check})
 * the way a BFF's {@code healthCheck} of a gRPC service asks it: SERVING for the whole server
 * ({@code ""}) and for its own service, SERVICE_UNKNOWN for a name it does not serve. Health
 * checks are not counted as calls of the demo's API.
 */
class GrpcDemoHealthTest {
  @Test
  void theDemoServersAnswerHealthChecks() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      GrpcDemoServer recs = GrpcDemoServer.recommendations(DemoData.get());
      int port = recs.start(vertx, "127.0.0.1", 0, 1).await(10, TimeUnit.SECONDS);
      GrpcClient client = GrpcClient.builder(vertx)
          .with(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false)).build();
      assertEquals(GrpcHealthProto.ServingStatus.SERVING, check(client, port, ""));
      assertEquals(GrpcHealthProto.ServingStatus.SERVING, check(client, port, "recs.v1.Recommendations"));
      assertEquals(GrpcHealthProto.ServingStatus.SERVICE_UNKNOWN, check(client, port, "notify.v1.Notifications"));
      assertEquals(0, recs.calls(), "health checks are not API calls");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  static GrpcHealthProto.ServingStatus check(GrpcClient client, int port, String service) throws Exception {
    Buffer answer = client.request(SocketAddress.inetSocketAddress(port, "127.0.0.1")).compose(req -> {
      req.fullMethodName(GrpcHealthProto.CHECK);
      req.end(GrpcHealthProto.request(service));
      return req.response().compose(resp -> resp.last());
    }).await(10, TimeUnit.SECONDS);
    return GrpcHealthProto.status(answer);
  }
}
