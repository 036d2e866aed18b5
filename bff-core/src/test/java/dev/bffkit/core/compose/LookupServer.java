package dev.bffkit.core.compose;

import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.GrpcConfig;
import dev.bffkit.core.config.ServerConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.config.SourceFile;
import dev.bffkit.schemas.interop.v1.BatchGetByNameRequest;
import dev.bffkit.schemas.interop.v1.BatchGetItemsReply;
import dev.bffkit.schemas.interop.v1.BatchGetItemsRequest;
import dev.bffkit.schemas.interop.v1.GetItemRequest;
import dev.bffkit.schemas.interop.v1.LookupItem;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A grpc-java (Netty) {@code bffkit.interop.v1.Lookup} on 127.0.0.1 for batched {@code @grpc}
 * fields. Items exist for numbers 1..999 and 2^53+1 (named {@code item-N}); anything else is left
 * out of batch answers. Counts calls per method and keeps every batch request; {@code failWith}
 * makes every call fail with that status.
 */
final class LookupServer implements AutoCloseable {
  static final String SERVICE = "bffkit.interop.v1.Lookup";
  static final long BIG = 9007199254740993L;

  final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  final List<BatchGetItemsRequest> batches = new CopyOnWriteArrayList<>();
  final List<BatchGetByNameRequest> nameBatches = new CopyOnWriteArrayList<>();
  volatile Status failWith;
  private final Server server;

  LookupServer() throws IOException {
    ServerServiceDefinition def = ServerServiceDefinition.builder(SERVICE)
        .addMethod(method("GetItem", GetItemRequest.getDefaultInstance(), LookupItem.getDefaultInstance()),
            ServerCalls.asyncUnaryCall((GetItemRequest r, StreamObserver<LookupItem> obs) -> {
              if (!counted("GetItem", obs)) return;
              LookupItem item = item(r.getNumber(), "");
              if (item == null) obs.onError(Status.NOT_FOUND.asRuntimeException());
              else {
                obs.onNext(item);
                obs.onCompleted();
              }
            }))
        .addMethod(method("BatchGetItems", BatchGetItemsRequest.getDefaultInstance(), BatchGetItemsReply.getDefaultInstance()),
            ServerCalls.asyncUnaryCall((BatchGetItemsRequest r, StreamObserver<BatchGetItemsReply> obs) -> {
              if (!counted("BatchGetItems", obs)) return;
              batches.add(r);
              BatchGetItemsReply.Builder b = BatchGetItemsReply.newBuilder();
              // Answers in reverse order: matching must go by key, not position.
              for (int i = r.getNumbersCount() - 1; i >= 0; i--) {
                LookupItem item = item(r.getNumbers(i), r.getRegion());
                if (item != null) b.addItems(item);
              }
              obs.onNext(b.build());
              obs.onCompleted();
            }))
        .addMethod(method("BatchGetByName", BatchGetByNameRequest.getDefaultInstance(), BatchGetItemsReply.getDefaultInstance()),
            ServerCalls.asyncUnaryCall((BatchGetByNameRequest r, StreamObserver<BatchGetItemsReply> obs) -> {
              if (!counted("BatchGetByName", obs)) return;
              nameBatches.add(r);
              BatchGetItemsReply.Builder b = BatchGetItemsReply.newBuilder();
              for (String name : r.getNamesList()) {
                LookupItem item = name.startsWith("item-") ? item(parse(name.substring(5)), "") : null;
                if (item != null) b.addItems(item);
              }
              obs.onNext(b.build());
              obs.onCompleted();
            }))
        .build();
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(def).build().start();
  }

  private static <Q extends com.google.protobuf.Message, A extends com.google.protobuf.Message> MethodDescriptor<Q, A> method(
      String name, Q requestDefault, A replyDefault) {
    return MethodDescriptor.<Q, A>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(SERVICE + "/" + name)
        .setRequestMarshaller(ProtoUtils.marshaller(requestDefault))
        .setResponseMarshaller(ProtoUtils.marshaller(replyDefault))
        .build();
  }

  private boolean counted(String method, StreamObserver<?> obs) {
    calls.computeIfAbsent(method, m -> new AtomicInteger()).incrementAndGet();
    Status fail = failWith;
    if (fail != null) obs.onError(fail.asRuntimeException());
    return fail == null;
  }

  private static long parse(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static LookupItem item(long n, String region) {
    if ((n < 1 || n > 999) && n != BIG) return null;
    return LookupItem.newBuilder().setNumber(n).setName("item-" + n).setRegion(region).addTags("t" + (n % 3)).build();
  }

  int calls(String method) {
    AtomicInteger n = calls.get(method);
    return n == null ? 0 : n.get();
  }

  int port() {
    return server.getPort();
  }

  /** The fake REST services and this gRPC service ("lookup") in one bundle. */
  ClientBundle bundle(FakeServices rest, String schema, int maxBatchSize) {
    CompositionConfig comp = new CompositionConfig(Duration.ofSeconds(3), true, "/graphql", "/v1/screens", maxBatchSize);
    BffConfig cfg = new BffConfig("test", ServerConfig.defaults(), comp, services(rest), List.of(), grpcConfig());
    return new ClientBundle(cfg, new SourceFile("schema.graphqls", schema), List.of());
  }

  Map<String, ServiceConfig> services(FakeServices rest) {
    Map<String, ServiceConfig> services = new LinkedHashMap<>();
    rest.ports.forEach((n, port) -> services.put(n, dev.bffkit.core.TestBundles.service(n, port)));
    services.put("lookup", dev.bffkit.core.TestBundles.service("lookup", port()));
    return services;
  }

  static GrpcConfig grpcConfig() {
    return new GrpcConfig(
        List.of(new GrpcConfig.Entry("classpath:grpc/bffkit-services.desc", new GrpcConfig.Pos("bff.yaml", 3, "grpc.descriptors[0]"))),
        GrpcConfig.DEFAULT_MAX_MESSAGE_BYTES, Set.of("lookup"), List.of(), List.of());
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
