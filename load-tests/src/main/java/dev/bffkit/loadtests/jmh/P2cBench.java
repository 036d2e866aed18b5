package dev.bffkit.loadtests.jmh;

import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.upstream.Balancer;
import dev.bffkit.core.upstream.Endpoint;
import dev.bffkit.core.upstream.EndpointGroup;
import dev.bffkit.core.upstream.EndpointState;
import dev.bffkit.core.upstream.P2cLeastRequest;
import dev.bffkit.core.upstream.RetryBudget;
import dev.bffkit.core.upstream.RoundRobin;
import java.util.ArrayList;
import java.util.List;
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
 * The balancer's cost on the healthy path: a P2C least-request pick (two random ints and two
 * counter reads over the candidates array), against round robin, plus the retry budget's
 * per-request deposit. {@code load-tests/jmh.sh P2cBench -f 1 -wi 3 -i 5}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class P2cBench {
  @Param({"2", "6", "50"})
  int endpoints;

  EndpointGroup group;
  Balancer p2c;
  Balancer p2cSlowStart;
  Balancer roundRobin;
  RetryBudget budget;

  @Setup
  public void setup() {
    List<EndpointGroup.Weighted> list = new ArrayList<>();
    for (int i = 0; i < endpoints; i++) list.add(new EndpointGroup.Weighted(new Endpoint("10.0.0." + i, 8080, false), 1));
    group = new EndpointGroup();
    group.update(list);
    p2c = new P2cLeastRequest(0);
    p2cSlowStart = Balancer.of(new ServiceConfig.Balancer(ServiceConfig.Balancer.Policy.LEAST_REQUEST, null,
        java.time.Duration.ofSeconds(30), List.of()));
    roundRobin = new RoundRobin();
    budget = new RetryBudget(0.2, 10);
  }

  @Benchmark
  public EndpointState p2cPick() {
    return p2c.pick(group.candidates(), null, null);
  }

  @Benchmark
  public EndpointState p2cPickWithSlowStart() {
    return p2cSlowStart.pick(group.candidates(), null, null);
  }

  @Benchmark
  public EndpointState roundRobinPick() {
    return roundRobin.pick(group.candidates(), null, null);
  }

  @Benchmark
  public void retryBudgetDeposit() {
    budget.deposit();
  }
}
