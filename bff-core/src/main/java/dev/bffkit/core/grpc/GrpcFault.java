package dev.bffkit.core.grpc;

/**
 * Why a gRPC or gRPC-Web request is refused before any call: the gRPC status code to answer and
 * a message for the client ({@code grpc-message}). Never holds request bytes or header values.
 */
public record GrpcFault(int code, String message) {
  public static final int INVALID_ARGUMENT = 3;
  public static final int DEADLINE_EXCEEDED = 4;
  public static final int RESOURCE_EXHAUSTED = 8;
  public static final int UNIMPLEMENTED = 12;
  public static final int INTERNAL = 13;

  /** A refusal as an exception, for the paths that build metadata deep inside a call. */
  public static final class Refused extends RuntimeException {
    private final GrpcFault fault;

    public Refused(GrpcFault fault) {
      super(fault.message(), null, false, false);
      this.fault = fault;
    }

    public GrpcFault fault() {
      return fault;
    }
  }
}
