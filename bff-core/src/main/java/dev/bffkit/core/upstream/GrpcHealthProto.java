package dev.bffkit.core.upstream;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import io.vertx.core.buffer.Buffer;

/**
 * The standard gRPC health protocol, {@code grpc/health/v1/health.proto} (gRPC
 * doc/health-checking.md): {@code grpc.health.v1.Health/Check(HealthCheckRequest{string service = 1})
 * → HealthCheckResponse{ServingStatus status = 1}}. Its descriptor is built here, once, from the
 * same declarations as the .proto (io.grpc:grpc-services, which ships it, is not a dependency),
 * and messages are written and read with protobuf's {@link DynamicMessage}. Public so that the
 * demo's servers answer health checks with the same definition. This is the only protobuf in
 * {@code upstream}: the health protocol belongs to talking to a gRPC endpoint, like
 * {@code grpc-timeout}; call payloads stay opaque bytes here.
 */
public final class GrpcHealthProto {
  public static final String SERVICE = "grpc.health.v1.Health";
  public static final String CHECK = SERVICE + "/Check";

  /** {@code HealthCheckResponse.ServingStatus}, by number. */
  public enum ServingStatus { UNKNOWN, SERVING, NOT_SERVING, SERVICE_UNKNOWN }

  private static final Descriptors.Descriptor REQUEST;
  private static final Descriptors.Descriptor RESPONSE;
  private static final Descriptors.FieldDescriptor REQUEST_SERVICE;
  private static final Descriptors.FieldDescriptor RESPONSE_STATUS;

  static {
    EnumDescriptorProto.Builder status = EnumDescriptorProto.newBuilder().setName("ServingStatus");
    for (ServingStatus s : ServingStatus.values()) {
      status.addValue(EnumValueDescriptorProto.newBuilder().setName(s.name()).setNumber(s.ordinal()));
    }
    FileDescriptorProto file = FileDescriptorProto.newBuilder()
        .setName("grpc/health/v1/health.proto")
        .setPackage("grpc.health.v1")
        .setSyntax("proto3")
        .addMessageType(DescriptorProto.newBuilder().setName("HealthCheckRequest")
            .addField(field("service", 1, FieldDescriptorProto.Type.TYPE_STRING, null)))
        .addMessageType(DescriptorProto.newBuilder().setName("HealthCheckResponse")
            .addEnumType(status)
            .addField(field("status", 1, FieldDescriptorProto.Type.TYPE_ENUM,
                ".grpc.health.v1.HealthCheckResponse.ServingStatus")))
        .addService(ServiceDescriptorProto.newBuilder().setName("Health")
            .addMethod(MethodDescriptorProto.newBuilder().setName("Check")
                .setInputType(".grpc.health.v1.HealthCheckRequest").setOutputType(".grpc.health.v1.HealthCheckResponse")))
        .build();
    try {
      Descriptors.FileDescriptor fd = Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0]);
      REQUEST = fd.findMessageTypeByName("HealthCheckRequest");
      RESPONSE = fd.findMessageTypeByName("HealthCheckResponse");
      REQUEST_SERVICE = REQUEST.findFieldByNumber(1);
      RESPONSE_STATUS = RESPONSE.findFieldByNumber(1);
    } catch (Descriptors.DescriptorValidationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private GrpcHealthProto() {}

  private static FieldDescriptorProto field(String name, int number, FieldDescriptorProto.Type type, String typeName) {
    FieldDescriptorProto.Builder f = FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
        .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL).setJsonName(name);
    if (typeName != null) f.setTypeName(typeName);
    return f.build();
  }

  /** {@code HealthCheckRequest{service}}; "" asks for the server as a whole. */
  public static Buffer request(String service) {
    return Buffer.buffer(DynamicMessage.newBuilder(REQUEST).setField(REQUEST_SERVICE, service).build().toByteArray());
  }

  /** The {@code service} of a {@code HealthCheckRequest}. */
  public static String service(Buffer request) throws InvalidProtocolBufferException {
    return (String) DynamicMessage.parseFrom(REQUEST, request.getBytes()).getField(REQUEST_SERVICE);
  }

  public static Buffer response(ServingStatus status) {
    return Buffer.buffer(DynamicMessage.newBuilder(RESPONSE)
        .setField(RESPONSE_STATUS, RESPONSE_STATUS.getEnumType().findValueByNumber(status.ordinal())).build().toByteArray());
  }

  /** The status of a {@code HealthCheckResponse}; a number this version does not know reads UNKNOWN. */
  public static ServingStatus status(Buffer response) throws InvalidProtocolBufferException {
    Object v = DynamicMessage.parseFrom(RESPONSE, response.getBytes()).getField(RESPONSE_STATUS);
    int n = v instanceof Descriptors.EnumValueDescriptor e ? e.getNumber() : 0;
    return n > 0 && n < ServingStatus.values().length ? ServingStatus.values()[n] : ServingStatus.UNKNOWN;
  }
}
