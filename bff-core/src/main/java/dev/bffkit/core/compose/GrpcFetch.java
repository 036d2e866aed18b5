package dev.bffkit.core.compose;

import dev.bffkit.core.cache.FieldCache;
import dev.bffkit.core.grpc.GrpcFault;
import dev.bffkit.core.grpc.GrpcMetadata;
import dev.bffkit.core.grpc.GrpcMethod;
import dev.bffkit.core.grpc.GrpcStatuses;
import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.upstream.GrpcRequest;
import dev.bffkit.core.upstream.GrpcResponse;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@code @grpc} field's call, shared by both executors (through {@link RestFetcher#single}):
 * renders the request template to proto3 JSON, converts it to protobuf with the method's
 * descriptor, calls the service through {@link dev.bffkit.core.upstream.UpstreamCaller#grpc}
 * (bulkhead, breaker, balancer, the remaining deadline as {@code grpc-timeout}) and converts the
 * answer back to plain JSON values, once. A server-streaming method gives the list of its
 * messages. A non-OK status fails the field with {@code UPSTREAM_ERROR}, the HTTP status of
 * Google's mapping and the gRPC status name in the message. A batched field's keys go out in one
 * call of its batch method ({@link #batch}, through {@link BatchLoader}, shared by both executors).
 */
final class GrpcFetch {
  private GrpcFetch() {}

  static Future<Object> single(RestBinding b, Map<String, Object> args, Object source, ComposeContext cx) {
    RestBinding.GrpcTarget t = b.grpc();
    GrpcMethod m = t.method();
    Buffer message;
    MultiMap metadata;
    Template.Values values = ref -> RestFetcher.resolve(ref, args, source, cx);
    try {
      String json = t.request() == null ? null : t.request().render(values).toString();
      message = json == null || json.equals("null") ? Buffer.buffer() : m.requestFromJson(json);
      metadata = metadata(t, values);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return Future.failedFuture(new TemplateValueException("request does not fit " + m.input().getFullName() + ": "
          + e.getMessage()));
    } catch (GrpcFault.Refused r) {
      return Future.failedFuture(badValue(b.service(), r));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    Deadline deadline = b.timeoutMs() > 0 ? cx.deadline().tighten(b.timeoutMs()) : cx.deadline();
    if (CachedFetch.applies(b, cx)) {
      Set<String> tags = CachedFetch.tags(b, values);
      if (tags != null) return cached(b, m, message, metadata, cx, deadline, tags);
    }
    cx.uncached();
    return call(b, m, message, metadata, cx, true, deadline).map(resp -> value(b, m, resp.messages()));
  }

  /**
   * Through the field cache: the key digests the message and metadata; the kept value is the answer's messages
   * (packed); a PUBLIC field is called without the caller's identity; the load does not carry the client's
   * cancellation (followers may wait on it).
   */
  private static Future<Object> cached(RestBinding b, GrpcMethod m, Buffer message, MultiMap metadata,
      ComposeContext cx, Deadline deadline, Set<String> tags) {
    String md = null;
    if (metadata != null) {
      StringBuilder sb = new StringBuilder();
      for (Map.Entry<String, String> e : metadata) sb.append('\n').append(e.getKey()).append(':').append(e.getValue());
      md = sb.toString();
    }
    String key = CachedFetch.key(b, cx, "grpc", m.fullName(), CacheBinding.digest(message.getBytes(), md));
    Deadline detached = deadline.withCancellation(null);
    boolean identity = !b.cache().isPublic();
    return CachedFetch.lookup(b, cx, key, tags, deadline,
            () -> call(b, m, message, metadata, cx, identity, detached)
                .map(resp -> new FieldCache.Fill(CachedFetch.pack(resp.messages()), true)))
        .map(l -> CachedFetch.read(cx, key, () -> value(b, m, CachedFetch.unpack(l.value()))));
  }

  /** The field's value from the answer's messages: the first, or every one of a server-streaming method. */
  private static Object value(RestBinding b, GrpcMethod m, List<Buffer> messages) {
    String service = b.service();
    try {
      if (m.serverStreaming()) {
        List<Object> out = new ArrayList<>(messages.size());
        for (Buffer each : messages) out.add(b.select().select(m.responseToValue(each)));
        return out;
      }
      if (messages.isEmpty()) throw new FetchFailure("UPSTREAM_ERROR", service, 0, service + " answered no message");
      return b.select().select(m.responseToValue(messages.get(0)));
    } catch (FetchFailure f) {
      throw f;
    } catch (Exception e) {
      throw new FetchFailure("UPSTREAM_ERROR", service, 0, service + " answered a message that does not fit the field");
    }
  }

  /**
   * One call of the batch method for these distinct keys (as {@link BatchLoader} has them); the
   * answer lists each key's item, or null for a key the service left out. Keys that cannot be
   * written into the keys field (see {@link GrpcKeys}) are null without being sent.
   */
  static Future<List<Object>> batch(RestBinding b, ComposeContext cx, List<String> keys) {
    RestBinding.GrpcBatch gb = b.grpc().batch();
    GrpcMethod m = gb.method();
    List<String> sent = new ArrayList<>(keys.size());
    String[] canonical = new String[keys.size()];
    Set<String> distinct = new HashSet<>(keys.size() * 2);
    for (int i = 0; i < keys.size(); i++) {
      canonical[i] = gb.keys().canonical(keys.get(i));
      if (canonical[i] != null && distinct.add(canonical[i])) sent.add(canonical[i]);
    }
    if (sent.isEmpty()) return Future.succeededFuture(java.util.Arrays.asList(new Object[keys.size()]));
    Buffer message;
    MultiMap metadata;
    try {
      Template.Values values = ref -> ref.root() == Template.Root.KEYS ? sent : RestFetcher.resolve(ref, Map.of(), null, cx);
      message = m.requestFromJson(gb.request().render(values).toString());
      metadata = metadata(b.grpc(), values);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return Future.failedFuture(new TemplateValueException("batch request does not fit " + m.input().getFullName() + ": "
          + e.getMessage()));
    } catch (GrpcFault.Refused r) {
      return Future.failedFuture(badValue(b.service(), r));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    String service = b.service();
    cx.uncached();
    Deadline deadline = b.timeoutMs() > 0 ? cx.deadline().tighten(b.timeoutMs()) : cx.deadline();
    return call(b, m, message, metadata, cx, true, deadline).map(resp -> {
      Object items;
      try {
        items = b.batch().select().select(m.responseToValue(first(service, resp)));
      } catch (FetchFailure f) {
        throw f;
      } catch (Exception e) {
        throw new FetchFailure("UPSTREAM_ERROR", service, 0, service + " answered a message that does not fit the field");
      }
      Map<String, Object> byKey = new java.util.HashMap<>(sent.size() * 2);
      if (items instanceof List<?> list) {
        for (Object item : list) {
          Object k = item instanceof Map<?, ?> each ? each.get(b.batch().key()) : null;
          if (k != null) byKey.putIfAbsent(String.valueOf(k), item);
        }
      }
      List<Object> out = new ArrayList<>(keys.size());
      for (String c : canonical) out.add(c == null ? null : byKey.get(c));
      return out;
    });
  }

  /**
   * The field's {@code metadata:} entries rendered for this request. A value that gRPC metadata
   * cannot carry (a control character such as NUL or CR/LF, or anything outside printable ASCII
   * for a non-{@code -bin} key, PROTOCOL-HTTP2.md {@code ASCII-Value}) fails the field with
   * BAD_VALUE and status 400 before any call: sent, it would fail inside the HTTP/2 client after
   * admission and be counted against the service.
   */
  private static MultiMap metadata(RestBinding.GrpcTarget t, Template.Values values) {
    if (t.metadata().isEmpty()) return null;
    MultiMap metadata = MultiMap.caseInsensitiveMultiMap();
    for (RestBinding.Metadata md : t.metadata()) {
      Object v = md.ref() == null ? md.literal() : values.get(md.ref());
      if (v != null) GrpcMetadata.add(metadata, md.name(), String.valueOf(v));
    }
    return metadata;
  }

  private static FetchFailure badValue(String service, GrpcFault.Refused r) {
    return new FetchFailure("BAD_VALUE", service, 400, r.getMessage());
  }

  /** Calls {@code m} (with the caller's identity unless not {@code identity}); a non-OK status fails. */
  private static Future<GrpcResponse> call(RestBinding b, GrpcMethod m, Buffer message, MultiMap metadata,
      ComposeContext cx, boolean identity, Deadline deadline) {
    if (identity && cx.identityHeaders() != null) { // the caller's identity (auth.claimsToHeaders) as metadata
      metadata = metadata == null ? MultiMap.caseInsensitiveMultiMap() : MultiMap.caseInsensitiveMultiMap().addAll(metadata);
      try {
        for (Map.Entry<String, String> h : cx.identityHeaders()) GrpcMetadata.add(metadata, h.getKey(), h.getValue());
      } catch (GrpcFault.Refused r) {
        return Future.failedFuture(badValue(b.service(), r));
      }
    }
    String service = b.service();
    if (deadline.expired()) {
      return Future.failedFuture(new dev.bffkit.core.upstream.UpstreamException(service,
          dev.bffkit.core.upstream.UpstreamException.Kind.TIMEOUT, "deadline exceeded before calling " + service));
    }
    GrpcRequest req = new GrpcRequest(m.fullName(), message, metadata, deadline, cx.requestId(), null);
    Future<GrpcResponse> call;
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
      return resp;
    });
  }

  private static Buffer first(String service, GrpcResponse resp) {
    if (resp.messages().isEmpty()) throw new FetchFailure("UPSTREAM_ERROR", service, 0, service + " answered no message");
    return resp.messages().get(0);
  }
}
