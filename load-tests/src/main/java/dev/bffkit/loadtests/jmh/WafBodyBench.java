package dev.bffkit.loadtests.jmh;

import dev.bffkit.core.security.Waf;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the body WAF adds to a proxied request with a clean 4 KiB JSON body: the UTF-8 decode of
 * the buffered prefix and the check, value by value ({@code json}) and, for comparison, of the
 * whole text at once ({@code raw}). {@code load-tests/jmh.sh WafBodyBench -f 1 -wi 2 -i 3}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class WafBodyBench {
  private Buffer body;

  @Setup
  public void setUp() {
    StringBuilder json = new StringBuilder("{\"order\":{\"id\":\"o-1842\",\"items\":[");
    for (int i = 0; json.length() < 4000; i++) {
      if (i > 0) json.append(',');
      json.append("{\"sku\":\"SKU-").append(1000 + i).append("\",\"name\":\"Blue cotton shirt, size M\",")
          .append("\"qty\":").append(i % 3 + 1).append(",\"price\":19.9,\"note\":\"gift wrap, O'Brien's order\"}");
    }
    json.append("]}}");
    body = Buffer.buffer(json.toString());
    if (json(body) != null || raw(body) != null) throw new IllegalStateException("the body must be clean");
  }

  @Benchmark
  public Object json() {
    return json(body);
  }

  @Benchmark
  public Object raw() {
    return raw(body);
  }

  private static Waf.Hit json(Buffer b) {
    return Waf.checkBody("application/json", "application/json",
        b.getString(0, b.length(), StandardCharsets.UTF_8.name()));
  }

  private static Waf.Hit raw(Buffer b) {
    return Waf.checkText(b.getString(0, b.length(), StandardCharsets.UTF_8.name()), "body");
  }
}
