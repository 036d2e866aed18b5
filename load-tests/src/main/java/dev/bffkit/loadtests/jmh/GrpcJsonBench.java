package dev.bffkit.loadtests.jmh;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bffkit.core.config.GrpcConfig;
import dev.bffkit.core.grpc.DescriptorRegistry;
import dev.bffkit.core.grpc.GrpcMethod;
import dev.bffkit.schemas.notify.v1.GetCountResponse;
import dev.bffkit.schemas.recs.v1.GetRecommendationsResponse;
import dev.bffkit.schemas.recs.v1.Image;
import dev.bffkit.schemas.recs.v1.Rec;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JSON ↔ protobuf cost of one {@code @grpc} field call, with the descriptors of shared-schemas
 * and {@code DynamicMessage}/{@code JsonFormat} as the gateway uses them: the rendered request
 * template to protobuf bytes, the response bytes to proto3 JSON, and that JSON to the plain values
 * that composition works on (Jackson, as {@code UpstreamJson} does for REST). {@code items} is
 * the number of recommendations in the response (the iOS home asks for 5).
 * {@code load-tests/jmh.sh GrpcJsonBench -f 1 -wi 3 -i 5}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GrpcJsonBench {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Param({"5", "50"})
  int items;

  GrpcMethod recs;
  GrpcMethod count;
  Buffer recsReply;
  Buffer countReply;
  String recsRequest;
  String countRequest;

  @Setup
  public void setup() {
    GrpcConfig.Pos pos = new GrpcConfig.Pos("bench", 0, "");
    DescriptorRegistry registry = DescriptorRegistry.load(new GrpcConfig(
        List.of(new GrpcConfig.Entry("classpath:grpc/bffkit-services.desc", pos)),
        GrpcConfig.DEFAULT_MAX_MESSAGE_BYTES, Set.of(), List.of(), List.of()), null);
    recs = registry.method("recs.v1.Recommendations/GetRecommendations");
    count = registry.method("notify.v1.Notifications/GetCount");
    GetRecommendationsResponse.Builder b = GetRecommendationsResponse.newBuilder();
    for (int i = 0; i < items; i++) {
      b.addItems(Rec.newBuilder().setId("r" + i).setTitle("Recommendation number " + i).setKind("video")
          .setScore(0.9 - i * 0.01).setReason("Because you follow @someone")
          .setImage(Image.newBuilder().setSmall("https://img.example/recs/r" + i + "/320x180.jpg")
              .setLarge("https://img.example/recs/r" + i + "/1280x720.jpg")));
    }
    recsReply = Buffer.buffer(b.build().toByteArray());
    countReply = Buffer.buffer(GetCountResponse.newBuilder().setCount(7).build().toByteArray());
    recsRequest = "{\"userId\":\"u1\",\"limit\":" + items + "}";
    countRequest = "{\"userId\":\"u1\"}";
  }

  @Benchmark
  public Buffer recsRequestToProtobuf() throws Exception {
    return recs.requestFromJson(recsRequest);
  }

  @Benchmark
  public String recsResponseToJson() throws Exception {
    return recs.responseToJson(recsReply);
  }

  /** Baseline: the response as JsonFormat text parsed back into plain values (what @grpc did first). */
  @Benchmark
  public Object recsResponseViaJsonText() throws Exception {
    return MAPPER.readValue(recs.responseToJson(recsReply), Object.class);
  }

  /** The response straight from the message to plain values (what @grpc does). */
  @Benchmark
  public Object recsResponseToValues() throws Exception {
    return recs.responseToValue(recsReply);
  }

  /** What one recommendations field costs in conversions: request out, response back to plain values. */
  @Benchmark
  public Object recsRoundTrip() throws Exception {
    recs.requestFromJson(recsRequest);
    return recs.responseToValue(recsReply);
  }

  /** The same for the unread count (a one-field message). */
  @Benchmark
  public Object countRoundTrip() throws Exception {
    count.requestFromJson(countRequest);
    return count.responseToValue(countReply);
  }
}
