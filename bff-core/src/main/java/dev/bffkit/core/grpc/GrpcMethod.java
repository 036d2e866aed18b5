package dev.bffkit.core.grpc;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.vertx.core.buffer.Buffer;

/**
 * One method of a loaded descriptor set, with its JSON ↔ protobuf conversion (protobuf-java-util's
 * {@link JsonFormat}, the proto3 JSON mapping: lowerCamelCase names, 64-bit integers as strings,
 * enums by name, well-known types in their JSON forms; fields at their default values printed,
 * so a count of 0 reads as 0 and not as absent; unknown fields of a response ignored).
 * Thread-safe; built once at start-up.
 */
public final class GrpcMethod {
  private final Descriptors.MethodDescriptor descriptor;
  private final String fullName;
  private final JsonFormat.Parser parser;
  private final JsonFormat.Printer printer;
  private final ProtoValues values;

  GrpcMethod(Descriptors.MethodDescriptor descriptor, JsonFormat.TypeRegistry types) {
    this.descriptor = descriptor;
    this.fullName = descriptor.getService().getFullName() + "/" + descriptor.getName();
    this.parser = JsonFormat.parser().usingTypeRegistry(types);
    this.printer = JsonFormat.printer().usingTypeRegistry(types).alwaysPrintFieldsWithNoPresence()
        .omittingInsignificantWhitespace();
    this.values = new ProtoValues(printer, ProtoValues::parseJson);
  }

  /**
   * A response as plain Java values (Map, List, String, Number, Boolean), the same values the
   * proto3 JSON form would parse into, without printing and parsing text.
   */
  public Object responseToValue(Buffer protobuf) throws InvalidProtocolBufferException {
    return values.message(DynamicMessage.parseFrom(output(), protobuf.getBytes()));
  }

  /** {@code package.Service/Method}. */
  public String fullName() {
    return fullName;
  }

  public Descriptors.MethodDescriptor descriptor() {
    return descriptor;
  }

  public Descriptors.Descriptor input() {
    return descriptor.getInputType();
  }

  public Descriptors.Descriptor output() {
    return descriptor.getOutputType();
  }

  public boolean serverStreaming() {
    return descriptor.isServerStreaming();
  }

  public boolean clientStreaming() {
    return descriptor.isClientStreaming();
  }

  /** The method's {@code google.api.http} rule, or null. */
  public HttpRule httpRule() {
    var options = descriptor.getOptions();
    return options.hasExtension(AnnotationsProto.http) ? options.getExtension(AnnotationsProto.http) : null;
  }

  /** A request message from its JSON form; unknown JSON fields are errors. */
  public Buffer requestFromJson(String json) throws InvalidProtocolBufferException {
    DynamicMessage m = ProtoJsonReader.read(input(), json); // the common case, without gson
    if (m == null) {
      DynamicMessage.Builder b = DynamicMessage.newBuilder(input());
      parser.merge(json, b);
      m = b.build();
    }
    return Buffer.buffer(m.toByteArray());
  }

  /** A request message built by the caller (transcoding merges path, query and body into it). */
  public DynamicMessage.Builder newRequest() {
    return DynamicMessage.newBuilder(input());
  }

  /** Merges JSON into a message builder (proto3 JSON mapping). */
  public void merge(String json, com.google.protobuf.Message.Builder into) throws InvalidProtocolBufferException {
    parser.merge(json, into);
  }

  /** A response message in its JSON form. */
  public String responseToJson(Buffer protobuf) throws InvalidProtocolBufferException {
    return printer.print(DynamicMessage.parseFrom(output(), protobuf.getBytes()));
  }

  /** Any message of this method's schemas in its JSON form. */
  public String toJson(com.google.protobuf.MessageOrBuilder message) throws InvalidProtocolBufferException {
    return printer.print(message);
  }

  void warmUp() {
    try {
      responseToJson(Buffer.buffer(DynamicMessage.getDefaultInstance(output()).toByteArray()));
      requestFromJson("{}");
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return fullName;
  }
}
