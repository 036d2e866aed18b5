package dev.bffkit.core.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.config.CanaryConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.observe.slo.Objective;
import dev.bffkit.core.pipeline.Caller;
import dev.bffkit.core.security.Principal;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import io.vertx.core.MultiMap;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The canary split without a network: matches, the sticky share, fallback, rollback judgement. */
class CanaryRoutingTest {
  private record TestCaller(Principal principal, MultiMap requestHeaders, String requestId) implements Caller {}

  private static final List<URI> URLS = List.of(URI.create("http://10.0.0.1:80"), URI.create("http://10.0.0.2:80"),
      URI.create("http://10.0.0.3:80"));
  private static final List<Map<String, String>> LABELS = List.of(Map.of(), Map.of(), Map.of("version", "v2"));

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final EndpointGroup group = new EndpointGroup();

  private Canary canary(double share, List<CanaryConfig.Match> match, CanaryConfig.Rollback rollback) {
    ServiceConfig cfg = new ServiceConfig("posts", URLS, Duration.ofSeconds(1), 8, Duration.ofSeconds(30),
        Duration.ofSeconds(5)).withCanary(LABELS,
        new CanaryConfig(Map.of("version", "v2"), share, match, CanaryConfig.Sticky.sub(), rollback));
    group.update(URLS.stream().map(u -> new EndpointGroup.Weighted(Endpoint.of(u), 1)).toList());
    return new Canary(cfg, group, registry);
  }

  private static Caller user(String sub, String... headers) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < headers.length; i += 2) h.add(headers[i], headers[i + 1]);
    Principal p = sub == null ? null : new Principal("jwt", sub, "idp", Set.of(), null,
        Map.of("beta", sub.startsWith("beta") ? "true" : "false"));
    return new TestCaller(p, h, "req-1");
  }

  private double count(String subset, String reason) {
    return registry.get("bff.canary.requests").tags("service", "posts", "subset", subset, "reason", reason).counter().count();
  }

  @Test
  void shareOfManySubjectsIsWithinFiveSigmaAndTheSameOnEveryInstance() {
    Canary a = canary(0.015, List.of(), null);
    Canary b = new Canary(new ServiceConfig("posts", URLS, Duration.ofSeconds(1), 8, Duration.ofSeconds(30),
        Duration.ofSeconds(5)).withCanary(LABELS, new CanaryConfig(Map.of("version", "v2"), 0.015, List.of(),
        CanaryConfig.Sticky.sub(), null)), new EndpointGroup(), new SimpleMeterRegistry());
    int n = 100_000;
    int in = 0;
    for (int i = 0; i < n; i++) {
      boolean onA = a.route(user("user-" + i)).isCanary();
      if (onA) in++;
      assertEquals(a.bucket("user-" + i), b.bucket("user-" + i), "another BFF instance puts the user on the same side");
    }
    double sigma = Math.sqrt(n * 0.015 * 0.985);
    assertTrue(Math.abs(in - n * 0.015) <= 5 * sigma, in + " of " + n);
    assertEquals(in, count("canary", "share"));
  }

  @Test
  void theServiceNameSaltsTheHashSoOneUserIsNotCanaryEverywhere() {
    Canary posts = canary(0.5, List.of(), null);
    Canary other = new Canary(new ServiceConfig("users", URLS, Duration.ofSeconds(1), 8, Duration.ofSeconds(30),
        Duration.ofSeconds(5)).withCanary(LABELS, new CanaryConfig(Map.of("version", "v2"), 0.5, List.of(),
        CanaryConfig.Sticky.sub(), null)), new EndpointGroup(), new SimpleMeterRegistry());
    int same = 0;
    for (int i = 0; i < 10_000; i++) if ((posts.bucket("u" + i) < 500_000) == (other.bucket("u" + i) < 500_000)) same++;
    assertTrue(same > 4_600 && same < 5_400, "independent halves: " + same);
  }

  @Test
  void matchesTable() {
    Canary c = canary(0, List.of(new CanaryConfig.Match(CanaryConfig.Match.Source.HEADER, "x-beta", "1"),
        new CanaryConfig.Match(CanaryConfig.Match.Source.COOKIE, "beta", "1"),
        new CanaryConfig.Match(CanaryConfig.Match.Source.CLAIM, "beta", "true"),
        new CanaryConfig.Match(CanaryConfig.Match.Source.CLAIM, "groups", "testers")), null);
    record Row(Caller caller, boolean canary) {}
    Caller listClaim = new TestCaller(new Principal("jwt", "x", "i", Set.of(), null, Map.of("groups", List.of("testers"))),
        MultiMap.caseInsensitiveMultiMap(), "r");
    Caller noGroups = new TestCaller(new Principal("jwt", "x", "i", Set.of(), null, Map.of("groups", List.of("other"))),
        MultiMap.caseInsensitiveMultiMap(), "r");
    for (Row r : List.of(
        new Row(user(null, "X-Beta", "1"), true),
        new Row(user(null, "x-beta", "2"), false),
        new Row(user(null, "x-beta", ""), false),
        new Row(user(null, "cookie", "a=1; beta=1"), true),
        new Row(user(null, "cookie", "a=1", "cookie", "beta=1"), true), // h2 may split cookies (RFC 9113 §8.2.3)
        new Row(user(null, "cookie", "notbeta=1"), false),
        new Row(user(null, "cookie", "beta"), false),
        new Row(user(null, "cookie", ";;=;beta="), false),
        new Row(user("beta-user"), true), // the verified principal's claim
        new Row(user("plain", "x-claim-beta", "true"), false), // claims only through the principal, never a header
        new Row(listClaim, true),
        new Row(noGroups, false),
        new Row(null, false))) {
      assertEquals(r.canary(), c.route(r.caller()).isCanary(), () -> "caller " + r.caller());
    }
    // claim beta=true (a string claim of the verified principal)
    assertTrue(c.route(new TestCaller(new Principal("jwt", "b", "i", Set.of(), null, Map.of("beta", true)),
        MultiMap.caseInsensitiveMultiMap(), "r")).isCanary(), "a boolean claim compares as text");
  }

  @Test
  void anonymousCallersAreSplitPerRequestByItsId() {
    Canary c = canary(0.5, List.of(), null);
    int in = 0;
    for (int i = 0; i < 2000; i++) {
      Caller anonymous = new TestCaller(null, MultiMap.caseInsensitiveMultiMap(), "req-" + i);
      boolean side = c.route(anonymous).isCanary();
      if (side) in++;
      for (int call = 0; call < 3; call++) assertEquals(side, c.route(anonymous).isCanary(), "one request's calls agree");
    }
    assertTrue(in > 800 && in < 1200, "about half: " + in);
    int random = 0;
    for (int i = 0; i < 2000; i++) if (c.route(null).isCanary()) random++;
    assertTrue(random > 800 && random < 1200, "work for no request is split at random: " + random);
  }

  @Test
  void aSubsetWithNoLiveEndpointFallsBackToTheOtherAndBalancesWithinIt() {
    Canary c = canary(1.0, List.of(), null);
    EndpointState[] all = group.all();
    assertTrue(c.route(user("u")).isCanary());
    assertEquals(List.of(all[2]), List.of(c.canary.candidates()));
    assertEquals(List.of(all[0], all[1]), List.of(c.stable.candidates()));
    all[2].healthy = false; // the canary is down
    group.refresh();
    assertSame(c.stable, c.route(user("u")));
    assertEquals(1, count("stable", "fallback"));
    all[2].healthy = true;
    group.refresh();
    assertSame(c.canary, c.route(user("u")));
    // Everything down: the group panics, each side offers all of its endpoints, no fallback.
    for (EndpointState e : all) e.healthy = false;
    group.refresh();
    assertSame(c.canary, c.route(user("u")));
    assertEquals(1, count("stable", "fallback"));
  }

  /** availability 90 % (a 10 % budget), no latency objective: an error rate r burns at 10 r. */
  private static final CanaryConfig.Rollback RULE = new CanaryConfig.Rollback(0.9, null, 2, 0.5, 50,
      Duration.ofSeconds(6));
  private static final long MS = 1_000_000;

  @Test
  void stableDownFallsBackToTheCanaryUnlessItWasRolledBack() {
    Canary c = canary(0, List.of(), RULE);
    EndpointState[] all = group.all();
    all[0].healthy = false;
    all[1].healthy = false;
    group.refresh();
    assertSame(c.canary, c.route(user("u")));
    assertEquals(1, count("canary", "fallback"));
    c.rollBack(new CanaryRollback.Verdict(Objective.AVAILABILITY, 0.9, 10, 5, 10, 0), 0, RULE.window());
    assertSame(c.stable, c.route(user("u")), "a rolled-back canary takes nothing, even then");
  }

  @Test
  void rollbackJudgesTheWindow() {
    Canary c = canary(0.5, List.of(new CanaryConfig.Match(CanaryConfig.Match.Source.HEADER, "x-beta", "1")), RULE);
    CanaryRollback w = c.watch;
    // Equal noise (10 % each side): no rollback.
    for (int i = 0; i < 1000; i++) {
      c.canary.record(i % 10 == 0, MS);
      c.stable.record(i % 10 == 0, MS);
    }
    w.tick();
    assertFalse(c.rolledBack());
    // Too few canary calls to judge, however bad they are.
    for (int i = 0; i < CanaryRollback.BUCKETS; i++) w.tick(); // the window slides past the noise
    for (int i = 0; i < 49; i++) c.canary.record(true, MS);
    w.tick();
    assertFalse(c.rolledBack(), "49 calls < minCalls");
    // Clean stable and a tiny canary error rate (burn 0.2 < minBurnRate 0.5): no rollback.
    for (int i = 0; i < CanaryRollback.BUCKETS; i++) w.tick();
    for (int i = 0; i < 1000; i++) {
      c.canary.record(i % 50 == 0, MS); // 2 %
      c.stable.record(false, MS);
    }
    w.tick();
    assertFalse(c.rolledBack(), "2 % burns at 0.2, under minBurnRate");
    // A burst: 30 % on the canary against 10 % on stable.
    for (int i = 0; i < CanaryRollback.BUCKETS; i++) w.tick();
    for (int i = 0; i < 100; i++) {
      c.canary.record(i % 10 < 3, MS);
      c.stable.record(i % 10 == 0, MS);
    }
    w.tick();
    assertTrue(c.rolledBack());
    Canary.State s = c.state();
    assertEquals(0, s.share());
    assertEquals("availability", s.rolledBack().sli());
    assertEquals(0.3, s.rolledBack().canaryBadRatio(), 1e-9);
    assertEquals(0.1, s.rolledBack().stableBadRatio(), 1e-9);
    assertEquals(3, s.rolledBack().canaryBurnRate(), 1e-9);
    assertEquals(1, s.rolledBack().stableBurnRate(), 1e-9);
    assertEquals(1, registry.get("bff.canary.rollbacks").tags("sli", "availability").counter().count());
    assertEquals(0, registry.get("bff.canary.rollbacks").tags("sli", "latency").counter().count());
    assertSame(c.stable, c.route(user("u", "x-beta", "1")), "matches are off too");
    JsonObject j = s.toJson();
    assertTrue(j.getBoolean("rolledBack"));
    assertEquals("availability", j.getString("sli"));
    assertEquals(100, j.getLong("canaryCalls"));
    assertEquals(6000, j.getLong("windowMs"));
    // setShare re-arms it with a fresh window.
    c.setShare(0.25);
    assertFalse(c.rolledBack());
    assertEquals(0.25, c.share());
    assertSame(c.canary, c.route(user("u", "x-beta", "1")));
    w.tick();
    assertFalse(c.rolledBack(), "the burst was forgotten");
  }

  @Test
  void aCallThatWantedTheCanaryButFellBackIsABadCanaryCall() {
    Canary c = canary(1.0, List.of(), RULE);
    EndpointState[] all = group.all();
    all[2].healthy = false; // the canary's only endpoint is out (ejected, failing its checks)
    group.refresh();
    for (int i = 0; i < 60; i++) {
      Canary.Subset side = c.route(user("u" + i));
      assertSame(c.stable, side);
      side.record(false, MS); // stable serves it well
    }
    assertEquals(60, count("stable", "fallback"));
    c.watch.tick();
    assertTrue(c.rolledBack(), () -> "60 fallbacks, 60 clean stable calls: " + c.state());
    Canary.RolledBack r = c.state().rolledBack();
    assertEquals(60, r.canaryFallbacks());
    assertEquals(60, r.canaryCalls());
    assertEquals(1.0, r.canaryBadRatio());
    assertEquals(0, r.stableBadRatio());
    // Rolled back: nobody wants the canary any more, so nothing falls back.
    c.route(user("u1"));
    assertEquals(60, count("stable", "fallback"));
    // Stable falling back to the canary is not held against either side.
    Canary d = canary(0, List.of(), RULE);
    all = group.all();
    all[2].healthy = true;
    all[0].healthy = false;
    all[1].healthy = false;
    group.refresh();
    for (int i = 0; i < 60; i++) d.route(user("v" + i));
    d.watch.tick();
    assertFalse(d.rolledBack());
  }

  @Test
  void latencyIsJudgedOnlyWithAThreshold() {
    CanaryConfig.Rollback timed = new CanaryConfig.Rollback(0.999,
        new CanaryConfig.Latency(Duration.ofMillis(200), 0.99), 2, 1, 50, Duration.ofSeconds(6));
    Canary c = canary(0.5, List.of(), timed);
    for (int i = 0; i < 100; i++) {
      c.canary.record(false, 400 * MS);
      c.stable.record(false, 5 * MS);
    }
    c.watch.tick();
    assertTrue(c.rolledBack());
    assertEquals("latency", c.state().rolledBack().sli());
    assertEquals(100, c.state().rolledBack().canaryBurnRate(), 1e-6); // 100 % slow / 1 % budget
    assertEquals(1, registry.get("bff.canary.rollbacks").tags("sli", "latency").counter().count());
    // Without a threshold the same slowness is not judged.
    Canary untimed = canary(0.5, List.of(), RULE);
    for (int i = 0; i < 100; i++) {
      untimed.canary.record(false, 400 * MS);
      untimed.stable.record(false, 5 * MS);
    }
    untimed.watch.tick();
    assertFalse(untimed.rolledBack());
  }
}
