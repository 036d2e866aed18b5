package dev.bffkit.core.grpc;

/**
 * gRPC status codes, their names and the HTTP status each maps to, by Google's table
 * ({@code google.rpc.Code} / the HTTP mapping used by grpc-gateway and Envoy's transcoder).
 */
public final class GrpcStatuses {
  private GrpcStatuses() {}

  private static final String[] NAMES = {
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
    "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
    "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"
  };

  private static final int[] HTTP = {
    200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401
  };

  public static String name(int code) {
    return code >= 0 && code < NAMES.length ? NAMES[code] : "UNKNOWN";
  }

  public static int httpStatus(int code) {
    return code >= 0 && code < HTTP.length ? HTTP[code] : 500;
  }

  /** The gRPC status for an HTTP status (gRPC-Web and transport errors), by the gRPC spec's table. */
  public static int fromHttp(int http) {
    return switch (http) {
      case 400 -> 13;
      case 401 -> 16;
      case 403 -> 7;
      case 404 -> 12;
      case 429, 502, 503, 504 -> 14;
      default -> 2;
    };
  }
}
