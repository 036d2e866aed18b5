package dev.bffkit.loadtests.jmh;

import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.config.ClasspathBundles;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.route.RouteTable;
import dev.bffkit.core.server.Routes;
import io.vertx.core.http.HttpMethod;
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
 * The route lookup every request pays once, on the web BFF's table (every route kind: screens,
 * GraphQL, proxy prefixes, transcoding templates, gRPC-Web, health):
 * {@code load-tests/jmh.sh RouteBench -f 1 -wi 3 -i 5}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteBench {
  @Param({"/v1/screens/dashboard", "/api/posts/p1", "/rest/v1/users/u1/recommendations",
      "/notify.v1.Notifications/GetCount", "/nope"})
  public String path;

  RouteTable table;
  HttpMethod method;

  @Setup
  public void setup() {
    ClientBundle web = ClasspathBundles.load("web");
    table = Routes.compile(web, CompositionEngine.create(web));
    method = path.startsWith("/notify") ? HttpMethod.POST : HttpMethod.GET;
    if (path.equals("/nope") == (table.resolve(method, path) != null)) throw new IllegalStateException(path);
  }

  @Benchmark
  public Object resolve() {
    return table.resolve(method, path);
  }
}
