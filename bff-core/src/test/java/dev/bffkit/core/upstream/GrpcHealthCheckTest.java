package dev.bffkit.core.upstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.ServiceConfig;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gRPC service's health check is {@code grpc.health.v1.Health/Check} against a grpc-java server
 * whose answer the test switches: NOT_SERVING (and SERVICE_UNKNOWN, and a server without the
 * health service) takes the endpoint out, SERVING brings it back; the configured service name is
 * what the server is asked about. The messages are the standard health.proto's on the wire.
 */
class GrpcHealthCheckTest {
  static final String NAME = "bffkit.interop.v1.Interop";
  static Vertx vertx;
  static Server server;
  static Server bare;
  static final AtomicReference<GrpcHealthProto.ServingStatus> STATUS =
      new AtomicReference<>(GrpcHealthProto.ServingStatus.SERVING);
  static final AtomicReference<String> ASKED = new AtomicReference<>();
  @TempDir Path tmp;

  @BeforeAll
  static void start() throws IOException {
    vertx = Vertx.vertx();
    MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
      }

      @Override
      public byte[] parse(InputStream stream) {
        try {
          return stream.readAllBytes();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
    MethodDescriptor<byte[], byte[]> check = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(GrpcHealthProto.CHECK)
        .setRequestMarshaller(bytes).setResponseMarshaller(bytes).build();
    ServerServiceDefinition health = ServerServiceDefinition.builder(GrpcHealthProto.SERVICE)
        .addMethod(check, ServerCalls.asyncUnaryCall((byte[] req, StreamObserver<byte[]> obs) -> {
          try {
            ASKED.set(GrpcHealthProto.service(Buffer.buffer(req)));
          } catch (InvalidProtocolBufferException e) {
            ASKED.set("unreadable");
          }
          obs.onNext(GrpcHealthProto.response(STATUS.get()).getBytes());
          obs.onCompleted();
        }))
        .build();
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(health).build().start();
    // a gRPC server without the health service: UNIMPLEMENTED
    ServerServiceDefinition other = ServerServiceDefinition.builder("x.Other")
        .addMethod(MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("x.Other/M").setRequestMarshaller(bytes).setResponseMarshaller(bytes).build(),
            ServerCalls.asyncUnaryCall((byte[] req, StreamObserver<byte[]> obs) -> obs.onCompleted()))
        .build();
    bare = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(other).build().start();
  }

  @AfterAll
  static void stop() throws Exception {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    bare.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static ServiceConfig service(int port) {
    ServiceConfig base = new ServiceConfig("interop", List.of(URI.create("http://127.0.0.1:" + port)),
        Duration.ofSeconds(1), 4, Duration.ofSeconds(30), Duration.ofSeconds(5));
    return base.withHealthCheck(new ServiceConfig.HealthCheck(null, Duration.ofMillis(50), Duration.ofMillis(500), 1, 1)
        .grpc(NAME));
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < until, what);
      Thread.sleep(20);
    }
  }

  @Test
  void notServingTakesTheEndpointOutAndServingBringsItBack() throws Exception {
    UpstreamRegistry registry = new UpstreamRegistry(vertx, Map.of("interop", service(server.getPort())));
    try {
      registry.start().await(5, TimeUnit.SECONDS);
      EndpointState e = registry.get("interop").endpoints().all()[0];
      await(() -> NAME.equals(ASKED.get()), "the configured service name is asked about");
      await(e::healthy, "SERVING passes (a first probe may have lost to a cold start)");
      STATUS.set(GrpcHealthProto.ServingStatus.NOT_SERVING);
      await(() -> !e.healthy(), "NOT_SERVING marks the endpoint down");
      STATUS.set(GrpcHealthProto.ServingStatus.SERVING);
      await(e::healthy, "SERVING brings it back");
      STATUS.set(GrpcHealthProto.ServingStatus.SERVICE_UNKNOWN);
      await(() -> !e.healthy(), "SERVICE_UNKNOWN marks the endpoint down");
    } finally {
      STATUS.set(GrpcHealthProto.ServingStatus.SERVING);
      registry.close();
    }
  }

  @Test
  void aServerWithoutTheHealthServiceFailsItsChecks() throws Exception {
    UpstreamRegistry registry = new UpstreamRegistry(vertx, Map.of("interop", service(bare.getPort())));
    try {
      registry.start().await(5, TimeUnit.SECONDS);
      EndpointState e = registry.get("interop").endpoints().all()[0];
      await(() -> !e.healthy(), "UNIMPLEMENTED is a failed check");
    } finally {
      registry.close();
    }
  }

  @Test
  void theMessagesAreTheStandardHealthProtosOnTheWire() throws Exception {
    // HealthCheckRequest{service = 1: "x"}, HealthCheckResponse{status = 1: SERVING (1)}
    assertArrayEquals(new byte[] {0x0a, 0x01, 'x'}, GrpcHealthProto.request("x").getBytes());
    assertArrayEquals(new byte[0], GrpcHealthProto.request("").getBytes());
    assertArrayEquals(new byte[] {0x08, 0x01}, GrpcHealthProto.response(GrpcHealthProto.ServingStatus.SERVING).getBytes());
    assertEquals(GrpcHealthProto.ServingStatus.NOT_SERVING, GrpcHealthProto.status(Buffer.buffer(new byte[] {0x08, 0x02})));
    assertEquals(GrpcHealthProto.ServingStatus.SERVICE_UNKNOWN, GrpcHealthProto.status(Buffer.buffer(new byte[] {0x08, 0x03})));
    assertEquals(GrpcHealthProto.ServingStatus.UNKNOWN, GrpcHealthProto.status(Buffer.buffer(new byte[0])));
    assertEquals(GrpcHealthProto.ServingStatus.UNKNOWN, GrpcHealthProto.status(Buffer.buffer(new byte[] {0x08, 0x07})));
  }

  private ServiceConfig load(String yaml) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("ios"));
    Files.writeString(dir.resolve("bff.yaml"), yaml);
    Files.writeString(dir.resolve("schema.graphqls"), "type Query { hello: String }\n");
    return BundleLoader.load(dir, k -> null).config().services().values().iterator().next();
  }

  @Test
  void configuredInBffYaml() throws Exception {
    ServiceConfig s = load("""
        services:
          recs:
            endpoints: ["http://127.0.0.1:9203"]
            protocol: grpc
            healthCheck: {service: recs.v1.Recommendations, interval: 2s}
        """);
    assertTrue(s.healthCheck().grpc());
    assertEquals("recs.v1.Recommendations", s.healthCheck().service());
    ServiceConfig whole = load("""
        services:
          recs:
            endpoints: ["http://127.0.0.1:9203"]
            protocol: grpc
            healthCheck: {}
        """);
    assertTrue(whole.healthCheck().enabled());
    assertEquals("", whole.healthCheck().service());
    ServiceConfig none = load("""
        services:
          recs:
            endpoints: ["http://127.0.0.1:9203"]
            protocol: grpc
        """);
    assertTrue(!none.healthCheck().enabled());
    ConfigException path = assertThrows(ConfigException.class, () -> load("""
        services:
          recs:
            endpoints: ["http://127.0.0.1:9203"]
            protocol: grpc
            healthCheck: {path: /healthz}
        """));
    assertTrue(path.getMessage().contains("grpc.health.v1.Health/Check"), path.getMessage());
    ConfigException service = assertThrows(ConfigException.class, () -> load("""
        services:
          posts:
            endpoints: ["http://127.0.0.1:9102"]
            healthCheck: {service: x}
        """));
    assertTrue(service.getMessage().contains("protocol: grpc"), service.getMessage());
  }
}
