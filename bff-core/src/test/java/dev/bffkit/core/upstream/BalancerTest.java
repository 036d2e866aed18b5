package dev.bffkit.core.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.pipeline.Cookies;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Balancing policies, the retry budget and the endpoint group, without a network. */
class BalancerTest {
  private static EndpointState[] endpoints(int... weights) {
    EndpointGroup g = new EndpointGroup();
    List<EndpointGroup.Weighted> list = new java.util.ArrayList<>();
    for (int i = 0; i < weights.length; i++) list.add(new EndpointGroup.Weighted(new Endpoint("10.0.0." + i, 80, false), weights[i]));
    g.update(list);
    return g.all();
  }

  @Test
  void p2cPrefersTheLessLoaded() {
    EndpointState[] e = endpoints(1, 1);
    e[0].active.set(5);
    P2cLeastRequest p2c = new P2cLeastRequest(0);
    for (int i = 0; i < 100; i++) assertEquals(e[1], p2c.pick(e, null, null));
    assertEquals(e[0], p2c.pick(e, null, e[1]), "avoid wins over load");
  }

  @Test
  void slowStartHoldsBackANewEndpoint() {
    EndpointState[] e = endpoints(1, 1);
    e[0].warmSince = System.nanoTime() - 10_000_000_000L; // warm
    e[1].warmSince = System.nanoTime(); // just joined: factor 0.1
    e[0].active.set(3);
    P2cLeastRequest p2c = new P2cLeastRequest(5_000_000_000L);
    assertEquals(e[0], p2c.pick(e, null, null), "4/1 beats 1/0.1");
  }

  @Test
  void weightedRoundRobinFollowsWeightsSmoothly() {
    EndpointState[] e = endpoints(3, 1);
    WeightedRoundRobin wrr = new WeightedRoundRobin();
    Map<EndpointState, Integer> counts = new HashMap<>();
    for (int i = 0; i < 400; i++) counts.merge(wrr.pick(e, null, null), 1, Integer::sum);
    assertEquals(300, counts.get(e[0]));
    assertEquals(100, counts.get(e[1]));
    EndpointState[] s = WeightedRoundRobin.schedule(e);
    assertEquals(List.of(e[0], e[0], e[1], e[0]), List.of(s));
  }

  @Test
  void ringHashIsStickyAndMovesOnlyTheLostKeys() {
    EndpointState[] e = endpoints(1, 1, 1, 1);
    RingHash ring = new RingHash(new ServiceConfig.HashOn(ServiceConfig.HashOn.Source.HEADER, "x-user"), new P2cLeastRequest(0));
    Map<String, EndpointState> before = new HashMap<>();
    for (int u = 0; u < 200; u++) {
      MultiMap h = MultiMap.caseInsensitiveMultiMap().add("x-user", "u" + u);
      EndpointState first = ring.pick(e, h, null);
      assertEquals(first, ring.pick(e, h, null));
      before.put("u" + u, first);
    }
    assertTrue(before.values().stream().distinct().count() == 4, "keys spread over all endpoints");
    EndpointState[] three = {e[0], e[1], e[2]};
    int moved = 0;
    for (var entry : before.entrySet()) {
      EndpointState now = ring.pick(three, MultiMap.caseInsensitiveMultiMap().add("x-user", entry.getKey()), null);
      if (entry.getValue() != e[3] && now != entry.getValue()) moved++;
    }
    assertEquals(0, moved, "keys of surviving endpoints stay put");
  }

  @Test
  void hashKeysFromCookieAndJwtClaim() {
    assertEquals("abc", Cookies.value("a=1; session=abc; b=2", "session"));
    String payload = Base64.getUrlEncoder().withoutPadding()
        .encodeToString("{\"sub\":\"u42\"}".getBytes(StandardCharsets.UTF_8));
    assertEquals("u42", HashKey.claim("Bearer xx." + payload + ".sig", "sub"));
    assertEquals(null, HashKey.claim("Basic abc", "sub"));
    assertNotEquals(HashKey.hash("a"), HashKey.hash("b"));
  }

  @Test
  void retryBudgetIsAShareOfRequests() {
    RetryBudget b = new RetryBudget(0.2, 0);
    int allowed = 0;
    for (int i = 0; i < 100; i++) {
      b.deposit();
      if (b.tryWithdraw()) allowed++;
    }
    assertEquals(20, allowed);
    RetryBudget quiet = new RetryBudget(0.2, 3);
    int reserve = 0;
    for (int i = 0; i < 10; i++) if (quiet.tryWithdraw()) reserve++;
    assertTrue(reserve >= 3 && reserve <= 6, "min per second: " + reserve); // may straddle a second
  }

  @Test
  void groupKeepsStateAcrossUpdatesAndPanicsWhenAllAreOut() {
    EndpointGroup g = new EndpointGroup();
    Endpoint a = new Endpoint("10.0.0.1", 80, false);
    Endpoint b = new Endpoint("10.0.0.2", 80, false);
    g.update(List.of(new EndpointGroup.Weighted(a, 1), new EndpointGroup.Weighted(b, 1)));
    EndpointState sa = g.all()[0];
    sa.active.set(7);
    g.update(List.of(new EndpointGroup.Weighted(a, 1)));
    assertEquals(7, g.all()[0].active(), "an in-flight count survives a set change");
    sa.healthy = false;
    g.refresh();
    assertEquals(1, g.candidates().length, "panic: all endpoints rather than none");
    g.update(List.of(new EndpointGroup.Weighted(a, 1), new EndpointGroup.Weighted(b, 1)));
    assertEquals(1, g.candidates().length);
    assertEquals(b, g.candidates()[0].endpoint());
  }

  @Test
  void fileDiscoveryParsesLines() {
    var parsed = FileDiscovery.parse(List.of("# posts", "http://10.0.0.1:8080 weight=3", "", "https://p.internal  # tls"));
    assertEquals(2, parsed.size());
    assertEquals(3, parsed.get(0).weight());
    assertEquals(new Endpoint("p.internal", 443, true), parsed.get(1).endpoint());
  }
}
