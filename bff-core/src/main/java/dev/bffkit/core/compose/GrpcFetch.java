package dev.bffkit.core.compose;

import dev.bffkit.core.grpc.GrpcMethod;
import dev.bffkit.core.grpc.GrpcStatuses;
import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.upstream.GrpcRequest;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One {@code @grpc} field's call, shared by both executors (through {@link RestFetcher#single}):
 * renders the request template to proto3 JSON, converts it to protobuf with the method's
 * descriptor, calls the service through {@link dev.bffkit.core.upstream.UpstreamCaller#grpc}
 * (bulkhead, breaker, balancer, the remaining deadline as {@code grpc-timeout}) and converts the
 * answer back to plain JSON values, once. A server-streaming method gives the list of its
 * messages. A non-OK status fails the field with {@code UPSTREAM_ERROR}, the HTTP status of
 * Google's mapping and the gRPC status name in the message.
 */
final class GrpcFetch {
  private GrpcFetch() {}

  static Future<Object> single(RestBinding b, Map<String, Object> args, Object source, ComposeContext cx) {
    RestBinding.GrpcTarget t = b.grpc();
    GrpcMethod m = t.method();
    Buffer message;
    MultiMap metadata = null;
    try {
      Template.Values values = ref -> RestFetcher.resolve(ref, args, source, cx);
      String json = t.request() == null ? null : t.request().render(values).toString();
      message = json == null || json.equals("null") ? Buffer.buffer() : m.requestFromJson(json);
      if (!t.metadata().isEmpty()) {
        metadata = MultiMap.caseInsensitiveMultiMap();
        for (RestBinding.Metadata md : t.metadata()) {
          Object v = md.ref() == null ? md.literal() : values.get(md.ref());
          if (v != null) metadata.add(md.name(), String.valueOf(v));
        }
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return Future.failedFuture(new TemplateValueException("request does not fit " + m.input().getFullName() + ": "
          + e.getMessage()));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    Deadline deadline = b.timeoutMs() > 0 ? cx.deadline().tighten(b.timeoutMs()) : cx.deadline();
    String service = b.service();
    if (deadline.expired()) {
      return Future.failedFuture(new dev.bffkit.core.upstream.UpstreamException(service,
          dev.bffkit.core.upstream.UpstreamException.Kind.TIMEOUT, "deadline exceeded before calling " + service));
    }
    GrpcRequest req = new GrpcRequest(m.fullName(), message, metadata, deadline, cx.requestId(), null);
    Future<dev.bffkit.core.upstream.GrpcResponse> call;
    try {
      call = cx.upstreams().grpc(service, req);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return call.map(resp -> {
      if (!resp.ok()) {
        // The status message may hold internals: name the status only.
        throw new FetchFailure("UPSTREAM_ERROR", service, GrpcStatuses.httpStatus(resp.status()),
            service + " answered gRPC " + GrpcStatuses.name(resp.status()));
      }
      try {
        if (m.serverStreaming()) {
          List<Object> out = new ArrayList<>(resp.messages().size());
          for (Buffer each : resp.messages()) out.add(b.select().select(m.responseToValue(each)));
          return out;
        }
        if (resp.messages().isEmpty()) {
          throw new FetchFailure("UPSTREAM_ERROR", service, 0, service + " answered no message");
        }
        return b.select().select(m.responseToValue(resp.messages().get(0)));
      } catch (FetchFailure f) {
        throw f;
      } catch (Exception e) {
        throw new FetchFailure("UPSTREAM_ERROR", service, 0, service + " answered a message that does not fit "
            + m.output().getFullName());
      }
    });
  }
}
