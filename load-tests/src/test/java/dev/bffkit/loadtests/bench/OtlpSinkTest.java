package dev.bffkit.loadtests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The harness's OTLP sink takes a real OpenTelemetry exporter's batches and counts them. */
class OtlpSinkTest {
  @Test
  void theSdksOtlpHttpExporterSucceedsAndIsCounted() {
    try (OtlpSink sink = OtlpSink.start()) {
      OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(sink.endpoint())
          .setTimeout(Duration.ofSeconds(5)).build();
      SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
      try {
        for (int i = 0; i < 3; i++) provider.get("test").spanBuilder("span-" + i).startSpan().end();
        CompletableResultCode flushed = provider.forceFlush().join(10, TimeUnit.SECONDS);
        assertTrue(flushed.isSuccess(), "the exporter must see 200 + a valid (empty) ExportTraceServiceResponse");
      } finally {
        provider.shutdown().join(10, TimeUnit.SECONDS);
      }
      OtlpSink.Counts c = sink.counts();
      assertEquals(3, c.requests(), "SimpleSpanProcessor: one export per span");
      assertTrue(c.bytes() > 3 * 20, "each body holds a span with its resource: " + c.bytes());
      assertEquals(0, c.refused());
      assertEquals(new OtlpSink.Counts(0, 0, 0), sink.counts().minus(c));
    }
  }

  @Test
  void otherMethodsAndPathsAre404AndCountedApart() throws Exception {
    try (OtlpSink sink = OtlpSink.start()) {
      HttpClient client = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + sink.port();
      List<HttpRequest> wrong = List.of(
          HttpRequest.newBuilder(URI.create(base + OtlpSink.TRACES_PATH)).GET().build(),
          HttpRequest.newBuilder(URI.create(base + "/v1/metrics")).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
          HttpRequest.newBuilder(URI.create(base + "/")).POST(HttpRequest.BodyPublishers.noBody()).build());
      for (HttpRequest r : wrong) {
        assertEquals(404, client.send(r, HttpResponse.BodyHandlers.discarding()).statusCode(), r.toString());
      }
      HttpResponse<byte[]> ok = client.send(HttpRequest.newBuilder(URI.create(sink.endpoint()))
          .header("content-type", "application/x-protobuf").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1000])).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, ok.statusCode());
      assertEquals("application/x-protobuf", ok.headers().firstValue("content-type").orElse(""));
      assertEquals(0, ok.body().length, "an empty ExportTraceServiceResponse");
      assertEquals(new OtlpSink.Counts(1, 1000, 3), sink.counts());
    }
  }
}
