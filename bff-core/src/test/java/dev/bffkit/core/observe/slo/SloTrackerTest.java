package dev.bffkit.core.observe.slo;

import static dev.bffkit.core.observe.slo.SloFixtures.ROUTES;
import static dev.bffkit.core.observe.slo.SloFixtures.log;
import static dev.bffkit.core.observe.slo.SloFixtures.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.ObserveConfig;
import dev.bffkit.core.observe.slo.SloFixtures.FakeClock;
import dev.bffkit.core.route.Route;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** Burn rates, budgets and the multi-window alerts of {@link SloTracker} on a fake clock. */
class SloTrackerTest {
  private final FakeClock clock = new FakeClock();
  private final Route home = route("screen:home");
  private int sent;

  private SloTracker tracker(ObserveConfig.Slo... slos) {
    return new SloTracker("test", List.of(slos), ROUTES, clock);
  }

  /** {@code seconds} of traffic at {@code perSecond}; every {@code errorEvery}-th answer is a 503 (0: none, 1: all). */
  private void traffic(SloTracker t, int perSecond, int errorEvery) {
    clock.advanceMillis(1000);
    for (int i = 0; i < perSecond; i++) {
      sent++;
      boolean error = errorEvery > 0 && sent % errorEvery == 0;
      t.completed(log(home, error ? 503 : 200, 0, false));
    }
  }

  @Test
  void anErrorBurstPagesFastWithinFiveMinutesAndRecoveryStopsThePage() {
    SloTracker t = tracker(SloFixtures.availability("home", "screen:home", 0.999));
    for (int s = 0; s < 3600; s++) { // an hour of healthy traffic
      traffic(t, 10, 0);
      if (s % 60 == 0) assertFalse(t.firing("home", Objective.AVAILABILITY, BurnAlert.PAGE_FAST), "healthy at " + s + " s");
    }
    assertEquals(0, t.burnRate("home", Objective.AVAILABILITY, SloWindow.H1));

    int firedAfter = -1;
    for (int s = 1; s <= 330; s++) { // every answer fails, for 5.5 minutes
      traffic(t, 10, 1);
      if (firedAfter < 0 && t.firing("home", Objective.AVAILABILITY, BurnAlert.PAGE_FAST)) firedAfter = s;
    }
    assertTrue(firedAfter > 0, "the fast page fires during the burst");
    // 1h burn passes 14.4 after ~52 s of errors; the page then holds 2 min (for: 2m) before firing.
    assertTrue(firedAfter >= 120 && firedAfter <= 300, "fired after " + firedAfter + " s");
    assertFalse(t.firing("home", Objective.AVAILABILITY, BurnAlert.PAGE_SLOW), "the slow page still holds (for: 15m)");
    assertEquals(1000, t.burnRate("home", Objective.AVAILABILITY, SloWindow.M5), 1e-9, "100 % errors burn 1/(1-0.999)");

    int clearedAfter = -1;
    for (int s = 1; s <= 600 && clearedAfter < 0; s++) { // healthy again
      traffic(t, 10, 0);
      if (!t.firing("home", Objective.AVAILABILITY, BurnAlert.PAGE_FAST)) clearedAfter = s;
    }
    // The burst leaves the 5m window after 5 min (+ up to one 10-s slot); the 1h window still burns.
    assertTrue(clearedAfter >= 250 && clearedAfter <= 320, "cleared after " + clearedAfter + " s");
    assertTrue(t.burnRate("home", Objective.AVAILABILITY, SloWindow.H1) > 14.4, "1h still burns: the 5m window reset the page");
    assertTrue(t.burnRate("home", Objective.AVAILABILITY, SloWindow.M5) < 14.4);
  }

  @Test
  void aSlowTrickleTripsOnlyTheSlowPage() {
    SloTracker t = tracker(SloFixtures.availability("home", "screen:home", 0.999));
    int slowFiredAfter = -1;
    for (int s = 1; s <= 3600; s++) { // 0.8 % errors: burn 8, over 6 but under 14.4
      traffic(t, 10, 125);
      assertFalse(t.firing("home", Objective.AVAILABILITY, BurnAlert.PAGE_FAST), "fast page at " + s + " s");
      if (slowFiredAfter < 0 && t.firing("home", Objective.AVAILABILITY, BurnAlert.PAGE_SLOW)) slowFiredAfter = s;
    }
    assertTrue(slowFiredAfter > 0, "the slow page fires");
    assertTrue(slowFiredAfter >= 15 * 60 && slowFiredAfter <= 20 * 60, "slow page after " + slowFiredAfter + " s (for: 15m)");
    assertEquals(8, t.burnRate("home", Objective.AVAILABILITY, SloWindow.H1), 0.2);
    assertEquals(8, t.burnRate("home", Objective.AVAILABILITY, SloWindow.M30), 0.2);
    // 0.8 % of 36,000 answers against a 0.1 % budget: 8 budgets spent, 1 - 8 = -7 left.
    assertEquals(-7, t.budgetRemaining("home", Objective.AVAILABILITY), 0.05);

    for (int s = 1; s <= 31 * 60; s++) traffic(t, 10, 0); // healthy: the 30m window clears
    assertFalse(t.firing("home", Objective.AVAILABILITY, BurnAlert.PAGE_SLOW));
    assertTrue(t.burnRate("home", Objective.AVAILABILITY, SloWindow.H6) > 4, "6h remembers the trickle");
  }

  @Test
  void latencyCountsEveryAnswerAndAClientThatLeftCountsForNothing() {
    SloTracker t = tracker(SloFixtures.both("home", "screen:home", 0.999, 0.99, Duration.ofMillis(300)));
    clock.advanceMillis(1000);
    for (int i = 0; i < 100; i++) t.completed(log(home, 200, 0, false));
    t.completed(log(home, 200, 500, false)); // slow
    t.completed(log(home, 503, 0, false)); // unavailable
    t.completed(log(home, 504, 900, false)); // unavailable and slow
    t.completed(log(home, 200, 0, true)); // answered, then the client left mid-body: an answer
    for (int i = 0; i < 5; i++) t.completed(log(home, 0, 5000, true)); // left before any answer: nothing
    t.completed(log(route("graphql"), 500, 900, false)); // another route
    t.completed(log(null, 500, 900, false)); // refused before routing

    JsonObject slo = t.toJson().getJsonArray("slos").getJsonObject(0);
    JsonObject avail = slo.getJsonArray("objectives").getJsonObject(0);
    JsonObject lat = slo.getJsonArray("objectives").getJsonObject(1);
    assertEquals("availability", avail.getString("objective"));
    assertEquals(104, avail.getLong("events"));
    assertEquals(2, avail.getLong("badEvents"));
    assertEquals("latency", lat.getString("objective"));
    assertEquals(300, lat.getLong("thresholdMs"));
    assertEquals(104, lat.getLong("events"));
    assertEquals(2, lat.getLong("badEvents"));
    assertEquals(1 - 2 / (104 * 0.001), avail.getDouble("errorBudgetRemaining"), 1e-6);
    assertEquals(1 - 2 / (104 * 0.01), lat.getDouble("errorBudgetRemaining"), 1e-6);
    assertEquals((2 / 104.0) / 0.01, t.burnRate("home", Objective.LATENCY, SloWindow.M5), 1e-6);
  }

  @Test
  void windowsSlideAcrossRingWrapsAndLongIdleGaps() {
    SloTracker t = tracker(SloFixtures.availability("home", "screen:home", 0.999));
    clock.advanceMillis(1000);
    for (int i = 0; i < 100; i++) t.completed(log(home, 500, 0, false));
    for (int h = 0; h < 7; h++) { // idle, read once an hour: the 6h ring wraps
      clock.advance(Duration.ofHours(1));
      t.burnRate("home", Objective.AVAILABILITY, SloWindow.M5);
    }
    for (int i = 0; i < 100; i++) t.completed(log(home, 200, 0, false));
    assertEquals(0, t.burnRate("home", Objective.AVAILABILITY, SloWindow.H6), "the errors are 7 h old");
    assertEquals(0.5 / 0.001, t.burnRate("home", Objective.AVAILABILITY, SloWindow.D1), 1e-6);
    assertEquals(1 - 100 / (200 * 0.001), t.budgetRemaining("home", Objective.AVAILABILITY), 1e-6);

    clock.advance(Duration.ofDays(31)); // one jump, no reads in between
    t.completed(log(home, 200, 0, false));
    assertEquals(1, t.budgetRemaining("home", Objective.AVAILABILITY), 1e-9, "the window forgot the errors");
    assertEquals(0, t.burnRate("home", Objective.AVAILABILITY, SloWindow.D3));
    JsonObject avail = t.toJson().getJsonArray("slos").getJsonObject(0).getJsonArray("objectives").getJsonObject(0);
    assertEquals(1, avail.getLong("events"));
  }

  @Test
  void memoryIsBoundedWhateverTheWindow() {
    for (Duration window : List.of(Duration.ofDays(1), Duration.ofDays(30), Duration.ofDays(365))) {
      TrackedSlo s = new TrackedSlo("test", new ObserveConfig.Slo("s", "graphql", 0.99, 0, null, window, "x:1"), clock);
      assertTrue(s.memoryLongs() <= (2162 + 4322) * 4, window + ": " + s.memoryLongs() + " longs");
      assertTrue(s.coarseSlotMillis() >= 600_000);
    }
  }

  @Test
  void concurrentLoopsLoseNoEvents() throws Exception {
    SloTracker t = new SloTracker("test", List.of(SloFixtures.availability("home", "screen:home", 0.999)), ROUTES,
        System::currentTimeMillis);
    int threads = 4;
    int each = 50_000;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    for (int k = 0; k < threads; k++) {
      Thread th = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < each; i++) t.completed(log(home, i % 10 == 0 ? 500 : 200, 0, false));
      });
      th.start();
      ts.add(th);
    }
    go.countDown();
    for (int i = 0; i < 50; i++) t.toJson(); // readers race the writers
    for (Thread th : ts) th.join();
    JsonObject avail = t.toJson().getJsonArray("slos").getJsonObject(0).getJsonArray("objectives").getJsonObject(0);
    assertEquals((long) threads * each, avail.getLong("events"));
    assertEquals((long) threads * each / 10, avail.getLong("badEvents"));
  }

  @Test
  void anSloOnAMissingRouteNamesItsLineAndTheRoutes() {
    ObserveConfig.Slo typo = new ObserveConfig.Slo("home", "screen:hme", 0.999, 0, null, Duration.ofDays(30), "ios/bff.yaml:42");
    ConfigException e = assertThrows(ConfigException.class,
        () -> tracker(SloFixtures.availability("ok", "graphql", 0.99), typo));
    assertEquals("ios/bff.yaml", e.file());
    assertEquals(42, e.line());
    assertTrue(e.getMessage().startsWith("ios/bff.yaml:42: observe.slos[1].route: 'screen:hme' is not a route; "
        + "routes: graphql, proxy:/api/posts, screen:home"), e.getMessage());
  }
}
