package dev.bffkit.core.config;

import java.util.List;
import java.util.Set;

/**
 * {@code grpc:} in bff.yaml plus the services marked {@code protocol: grpc}. Descriptor sets are
 * loaded, and every method and service named here resolved, when the BFF starts (see
 * {@code dev.bffkit.core.grpc.DescriptorRegistry}); each entry keeps its file and line so that
 * a problem found then still names them.
 */
public record GrpcConfig(
    /** {@code descriptors:} {@code classpath:grpc/x.desc} or a file path (relative to the client folder). */
    List<Entry> descriptors,
    /** {@code maxMessageSize:} the largest gRPC message sent or received (default 16mb). */
    int maxMessageBytes,
    /** Services declared with {@code protocol: grpc} (h2c with prior knowledge, gRPC framing). */
    Set<String> services,
    /** {@code transcode:} gRPC services exposed as REST by their {@code google.api.http} rules. */
    List<Expose> transcode,
    /** {@code web:} gRPC services reachable by gRPC-Web clients at {@code /pkg.Service/Method}. */
    List<Expose> web) {

  public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

  public GrpcConfig {
    descriptors = List.copyOf(descriptors);
    services = Set.copyOf(services);
    transcode = List.copyOf(transcode);
    web = List.copyOf(web);
  }

  public static GrpcConfig none() {
    return new GrpcConfig(List.of(), DEFAULT_MAX_MESSAGE_BYTES, Set.of(), List.of(), List.of());
  }

  /** Where a value was written, for errors found after parsing. */
  public record Pos(String file, int line, String path) {
    public ConfigException error(String problem) {
      return new ConfigException(file, line, path.isEmpty() ? problem : path + ": " + problem);
    }
  }

  /** One descriptor set. */
  public record Entry(String location, Pos pos) {}

  /**
   * One gRPC service exposed over HTTP: {@code service} is the bff.yaml service (the endpoints),
   * {@code grpcService} the fully qualified protobuf service, {@code prefix} prepended to the
   * rule paths ("" by default).
   */
  public record Expose(String service, String grpcService, String prefix, Pos pos) {}
}
