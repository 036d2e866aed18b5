package dev.bffkit.core.grpc;

import com.google.protobuf.ByteString;
import dev.bffkit.schemas.interop.v1.EchoReply;
import dev.bffkit.schemas.interop.v1.EchoRequest;
import dev.bffkit.schemas.interop.v1.FailRequest;
import dev.bffkit.schemas.interop.v1.PutRequest;
import dev.bffkit.schemas.interop.v1.SlowRequest;
import dev.bffkit.schemas.interop.v1.StreamRequest;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A grpc-java (Netty) implementation of {@code bffkit.interop.v1.Interop} on 127.0.0.1 and an
 * ephemeral port: the other side of the interop tests, so the bridge is not only tested against
 * Vert.x. Echo's replies carry an extra field (number 99) that the schema lacks, to test that
 * unknown fields are skipped; its metadata map shows the request headers the server saw
 * ({@code x-*}) and whether a deadline of at most 3 s arrived ({@code deadline}).
 */
public final class InteropServer implements AutoCloseable {
  public static final String SERVICE = "bffkit.interop.v1.Interop";
  private static final Context.Key<Map<String, String>> SEEN = Context.key("seen");
  /** Field 99, varint 1: unknown to every reader of the schema. */
  private static final byte[] UNKNOWN_FIELD = {(byte) 0x98, 0x06, 0x01};

  private final Server server;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  /** Every request header (metadata) of the last call, as received (for the metadata tests). */
  volatile Metadata lastMetadata;

  /** The request headers (metadata) of the last call. */
  public Metadata lastMetadata() {
    return lastMetadata;
  }
  /** Connections whose HTTP/2 handshake completed, and calls received (for the preconnect test). */
  final AtomicInteger transports = new AtomicInteger();
  final AtomicInteger calls = new AtomicInteger();
  /** Calls that ended cancelled (client RST_STREAM or deadline) rather than answered. */
  final AtomicInteger cancelled = new AtomicInteger();

  public InteropServer() throws IOException {
    this(null);
  }

  /** With {@code credentials} (TLS, mutual TLS) or plaintext when null. */
  InteropServer(io.grpc.ServerCredentials credentials) throws IOException {
    MethodDescriptor.Marshaller<EchoReply> replies = new MethodDescriptor.Marshaller<>() {
      private final MethodDescriptor.Marshaller<EchoReply> plain = ProtoUtils.marshaller(EchoReply.getDefaultInstance());

      @Override
      public InputStream stream(EchoReply value) {
        byte[] a = value.toByteArray();
        byte[] out = new byte[a.length + UNKNOWN_FIELD.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(UNKNOWN_FIELD, 0, out, a.length, UNKNOWN_FIELD.length);
        return new ByteArrayInputStream(out);
      }

      @Override
      public EchoReply parse(InputStream stream) {
        return plain.parse(stream);
      }
    };
    ServerServiceDefinition def = ServerServiceDefinition.builder(SERVICE)
        .addMethod(method("Echo", MethodDescriptor.MethodType.UNARY, EchoRequest.getDefaultInstance(), replies),
            ServerCalls.asyncUnaryCall(this::echo))
        .addMethod(method("Stream", MethodDescriptor.MethodType.SERVER_STREAMING, StreamRequest.getDefaultInstance(), replies),
            ServerCalls.asyncServerStreamingCall(this::stream))
        .addMethod(method("Fail", MethodDescriptor.MethodType.UNARY, FailRequest.getDefaultInstance(), replies),
            ServerCalls.asyncUnaryCall((FailRequest r, StreamObserver<EchoReply> obs) ->
                obs.onError(Status.fromCodeValue(r.getCode()).withDescription(r.getMessage()).asRuntimeException())))
        .addMethod(method("Slow", MethodDescriptor.MethodType.UNARY, SlowRequest.getDefaultInstance(), replies),
            ServerCalls.asyncUnaryCall((SlowRequest r, StreamObserver<EchoReply> obs) ->
                timer.schedule(() -> {
                  try {
                    obs.onNext(EchoReply.newBuilder().setSeq(r.getDelayMs()).build());
                    obs.onCompleted();
                  } catch (RuntimeException cancelled) {
                    // the client gave up (deadline): nothing to do
                  }
                }, r.getDelayMs(), TimeUnit.MILLISECONDS)))
        .addMethod(method("Put", MethodDescriptor.MethodType.UNARY, PutRequest.getDefaultInstance(), replies),
            ServerCalls.asyncUnaryCall((PutRequest r, StreamObserver<EchoReply> obs) -> {
              obs.onNext(EchoReply.newBuilder()
                  .setRequest(EchoRequest.newBuilder().setId(r.getId()).setText(r.getItem().getName() + "x" + r.getItem().getQty())
                      .setFilter(r.getNote()))
                  .build());
              obs.onCompleted();
            }))
        .build();
    ServerInterceptor seen = new ServerInterceptor() {
      @Override
      public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, A> call, Metadata headers,
          ServerCallHandler<Q, A> next) {
        lastMetadata = headers;
        calls.incrementAndGet();
        Map<String, String> m = new TreeMap<>();
        for (String k : headers.keys()) {
          if (k.startsWith("x-") && !k.endsWith("-bin")) m.put(k, headers.get(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER)));
        }
        if (headers.containsKey(ECHO_METADATA)) call = new EchoingMetadata<>(call, headers.get(ECHO_METADATA));
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<Q>(
            Contexts.interceptCall(Context.current().withValue(SEEN, m), call, headers, next)) {
          @Override
          public void onCancel() { // the client cancelled the call (RST_STREAM) or its deadline ran out
            cancelled.incrementAndGet();
            super.onCancel();
          }
        };
      }
    };
    InetSocketAddress at = new InetSocketAddress("127.0.0.1", 0);
    server = (credentials == null ? NettyServerBuilder.forAddress(at) : NettyServerBuilder.forAddress(at, credentials))
        .addService(io.grpc.ServerInterceptors.intercept(def, seen))
        .addTransportFilter(new io.grpc.ServerTransportFilter() {
          @Override
          public io.grpc.Attributes transportReady(io.grpc.Attributes attributes) {
            transports.incrementAndGet();
            return attributes;
          }
        })
        .maxInboundMessageSize(16 * 1024 * 1024)
        .build()
        .start();
  }

  static final Metadata.Key<String> ECHO_METADATA = Metadata.Key.of("x-echo-metadata", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<byte[]> TRACE_BIN = Metadata.Key.of("x-trace-bin", Metadata.BINARY_BYTE_MARSHALLER);

  /**
   * Asked by {@code x-echo-metadata: v}: answers response header {@code x-echoed: v} and trailers
   * {@code x-trailer: v} and {@code x-trace-bin} (bytes 0, 1, 2, 255).
   */
  private static final class EchoingMetadata<Q, A> extends io.grpc.ForwardingServerCall.SimpleForwardingServerCall<Q, A> {
    private final String value;

    EchoingMetadata(io.grpc.ServerCall<Q, A> call, String value) {
      super(call);
      this.value = value;
    }

    @Override
    public void sendHeaders(Metadata headers) {
      headers.put(Metadata.Key.of("x-echoed", Metadata.ASCII_STRING_MARSHALLER), value);
      super.sendHeaders(headers);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      trailers.put(Metadata.Key.of("x-trailer", Metadata.ASCII_STRING_MARSHALLER), value);
      trailers.put(TRACE_BIN, new byte[] {0, 1, 2, (byte) 255});
      super.close(status, trailers);
    }
  }

  private static <Q extends com.google.protobuf.Message> MethodDescriptor<Q, EchoReply> method(String name,
      MethodDescriptor.MethodType type, Q requestDefault, MethodDescriptor.Marshaller<EchoReply> replies) {
    return MethodDescriptor.<Q, EchoReply>newBuilder()
        .setType(type)
        .setFullMethodName(SERVICE + "/" + name)
        .setRequestMarshaller(ProtoUtils.marshaller(requestDefault))
        .setResponseMarshaller(replies)
        .build();
  }

  private void echo(EchoRequest r, StreamObserver<EchoReply> obs) {
    Map<String, String> m = new TreeMap<>(SEEN.get());
    io.grpc.Deadline d = Context.current().getDeadline();
    long left = d == null ? -1 : d.timeRemaining(TimeUnit.MILLISECONDS);
    m.put("deadline", d == null ? "none" : left > 0 && left <= 3000 ? "within-3s" : "other: " + left);
    EchoReply.Builder b = EchoReply.newBuilder().setRequest(r).putAllMetadata(m);
    if (r.getPadBytes() > 0) b.setPadding(ByteString.copyFrom(new byte[r.getPadBytes()]));
    obs.onNext(b.build());
    obs.onCompleted();
  }

  private void stream(StreamRequest r, StreamObserver<EchoReply> obs) {
    for (int i = 1; i <= r.getCount(); i++) {
      if (r.getFailAfter() > 0 && i > r.getFailAfter()) {
        obs.onError(Status.RESOURCE_EXHAUSTED.withDescription("stream cut").asRuntimeException());
        return;
      }
      obs.onNext(EchoReply.newBuilder().setSeq(i).build());
    }
    obs.onCompleted();
  }

  public int port() {
    return server.getPort();
  }

  /** Calls received so far (other packages' tests: did a refused request reach the service?). */
  public int callCount() {
    return calls.get();
  }

  @Override
  public void close() {
    server.shutdownNow();
    timer.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException(e));
    }
  }
}
