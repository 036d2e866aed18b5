package dev.bffkit.core.observe;

import dev.bffkit.core.config.ObserveConfig;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * OpenTelemetry spans for one BFF: a server span per sampled request and a client span per
 * upstream call it makes (REST, gRPC, proxy), so a screen's fan-out shows as parallel children of
 * one span. The sampling decision is made once, at the edge, by {@link TraceContext#accept}
 * (parent-based, then the configured ratio): an unsampled request builds no span at all and only
 * carries ids, which is why this class uses the SDK directly rather than Vert.x's tracer SPI,
 * which builds attributes for every request before the sampler runs. Spans are exported off the
 * event loop by a {@link BatchSpanProcessor} (bounded queue; drops counted by the SDK).
 */
public final class Tracing {
  static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<String> BFF_ROUTE = AttributeKey.stringKey("bff.route");
  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("bff.request_id");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> PEER_SERVICE = AttributeKey.stringKey("peer.service");
  static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  static final AttributeKey<Long> GRPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("bff.upstream.outcome");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<Boolean> PARTIAL = AttributeKey.booleanKey("bff.partial");

  private final boolean enabled;
  private final double ratio;
  private final SdkTracerProvider provider;
  private final Tracer tracer;

  private Tracing(boolean enabled, double ratio, SdkTracerProvider provider) {
    this.enabled = enabled;
    this.ratio = ratio;
    this.provider = provider;
    this.tracer = provider == null ? null : provider.get("dev.bffkit");
  }

  /** {@code exporter}: null = the one the config names; tests pass an in-memory one (exported at once). */
  public static Tracing create(String bffName, ObserveConfig.Tracing config, SpanExporter exporter) {
    if (!config.enabled()) return new Tracing(false, 0, null);
    SpanProcessor processor;
    if (exporter != null) {
      processor = SimpleSpanProcessor.create(exporter);
    } else {
      SpanExporter e = switch (config.exporter()) {
        case LOG -> LoggingSpanExporter.create();
        case OTLP -> OtlpHttpSpanExporter.builder().setEndpoint(config.endpoint()).setTimeout(Duration.ofSeconds(5)).build();
        case NONE -> null;
      };
      if (e == null) return new Tracing(true, config.sampling(), null); // ids and propagation, no spans
      processor = BatchSpanProcessor.builder(e).setMaxQueueSize(4096).setScheduleDelay(Duration.ofSeconds(1)).build();
    }
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
            AttributeKey.stringKey("service.name"), config.serviceName() != null ? config.serviceName() : "bff-" + bffName))))
        .setSampler(Sampler.alwaysOn()) // sampled already, at the edge
        .addSpanProcessor(processor)
        .build();
    return new Tracing(true, config.sampling(), provider);
  }

  /** The trace context of a new request (never null; unsampled when tracing is off). */
  TraceContext accept(String traceparent, String tracestate) {
    return TraceContext.accept(traceparent, tracestate, enabled ? ratio : 0);
  }

  /** The server span of a sampled request, started at its arrival; null when nothing records. */
  Span startServer(TraceContext trace, String method, String path, String requestId) {
    if (tracer == null || !trace.sampled()) return null;
    // The SDK's clock for both ends: a span's children use the same one, so they lie within it.
    SpanBuilder b = tracer.spanBuilder(method).setSpanKind(SpanKind.SERVER)
        .setAttribute(METHOD, method).setAttribute(PATH, path).setAttribute(REQUEST_ID, requestId);
    if (trace.parentSpanId() != 0) {
      SpanContext remote = SpanContext.createFromRemoteParent(trace.traceId(), TraceContext.spanHex(trace.parentSpanId()),
          TraceFlags.getSampled(), TraceState.getDefault());
      b.setParent(Context.root().with(Span.wrap(remote)));
    } else {
      b.setNoParent();
    }
    return b.startSpan();
  }

  UpstreamCall startClient(ServiceMeters meters, RequestLog log, String protocol) {
    Span server = log.span();
    TraceContext trace = log.trace();
    if (server == null) return new UpstreamCall(meters, log, protocol, null, trace.downstream());
    Span span = tracer.spanBuilder(meters.service()).setSpanKind(SpanKind.CLIENT)
        .setParent(Context.root().with(server))
        .setAttribute(PEER_SERVICE, meters.service())
        .setAttribute(RPC_SYSTEM, "grpc".equals(protocol) ? "grpc" : "http")
        .startSpan();
    SpanContext sc = span.getSpanContext();
    return new UpstreamCall(meters, log, protocol, span, "00-" + sc.getTraceId() + "-" + sc.getSpanId() + "-01");
  }

  static void endClientSpan(Span span, Outcome how, int status, String protocol) {
    span.setAttribute(OUTCOME, how.label());
    if (status >= 0) span.setAttribute("grpc".equals(protocol) ? GRPC_STATUS : STATUS, status);
    if (how != Outcome.OK) {
      span.setAttribute(ERROR_TYPE, how.label());
      if (how.serviceFault()) span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }

  /** Ends a request's server span with what its log says, once its calls have ended (it contains them). */
  static void endServer(RequestLog log) {
    Span span = log.span();
    if (span == null) return;
    if (log.route() != null) {
      String template = log.route().match().template();
      span.updateName(log.method() + " " + template); // OTel HTTP semantic conventions: "{method} {http.route}"
      span.setAttribute(ROUTE, template).setAttribute(BFF_ROUTE, log.route().name());
    }
    if (log.status() > 0) span.setAttribute(STATUS, log.status());
    if (log.partial()) span.setAttribute(PARTIAL, true);
    if (log.clientGone()) span.setAttribute(ERROR_TYPE, "client_gone");
    if (log.status() >= 500) span.setStatus(StatusCode.ERROR);
    span.end();
  }

  /** Exports what is queued (bounded wait); called when the BFF stops. */
  public void close() {
    if (provider == null) return;
    CompletableResultCode done = provider.shutdown();
    done.join(5, TimeUnit.SECONDS);
  }
}
