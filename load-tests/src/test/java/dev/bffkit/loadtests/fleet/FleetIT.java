package dev.bffkit.loadtests.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.bffkit.loadtests.bench.Fleet;
import dev.bffkit.loadtests.bench.FleetChecks;
import dev.bffkit.loadtests.bench.Http1;
import dev.bffkit.loadtests.bench.LoadDriver;
import dev.bffkit.loadtests.bench.Scenarios;
import dev.bffkit.loadtests.bench.Scenarios.ProcessBackends;
import dev.bffkit.loadtests.demo.DemoRedis;
import io.vertx.core.MultiMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three iOS BFF processes behind a real HAProxy, sharing a real redis-server, under open-model load: a rolling
 * restart loses no request, a kill -9 loses only what the killed instance had in flight, one key's rate limit holds
 * for the fleet, and an APQ hash registered on one instance is known to the others. An integration test (failsafe)
 * because it runs the packaged bff-ios jar; it skips without haproxy or redis-server (.ci/run installs both).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetIT {
  private static final int CONNECTIONS = 16;
  private Path logDir;
  private ProcessBackends backends;
  private DemoRedis redis;
  private Fleet fleet;
  private LoadDriver driver;
  private MultiMap headers;

  @BeforeAll
  void start() throws Exception {
    assumeTrue(Fleet.haproxyInstalled(), "haproxy not installed (apt-get install haproxy)");
    String port = Integer.toString(Scenarios.freePort());
    redis = DemoRedis.start(name -> switch (name) {
      case "PATH" -> System.getenv("PATH");
      case "REDIS_PORT" -> port;
      default -> null;
    });
    assumeTrue(redis.available(), "no redis-server: " + redis.detail());
    System.setProperty("bffkit.root", Path.of("").toAbsolutePath().getParent().toString());
    logDir = Files.createTempDirectory("bffkit-fleet");
    backends = ProcessBackends.start(logDir, 1);
    // Rate limits on and decided by Redis; the users tier (the load's token) far above the load.
    fleet = Fleet.start(backends, redis.url(), Map.of("BFF_RATE_LIMITS", "true", "BFF_USER_RATE", "10000000"), 3, logDir);
    driver = new LoadDriver(1);
    headers = Scenarios.bffHeaders();
    for (int i = 0; i < fleet.size(); i++) {
      assertEquals(200, Http1.status(fleet.instancePort(i), "GET", Scenarios.HOME_PATH, null,
          "Authorization: " + headers.get("authorization") + "\r\n", 5000), "instance " + i + " serves the home");
    }
  }

  @AfterAll
  void stop() throws Exception {
    if (driver != null) driver.close();
    if (fleet != null) fleet.close();
    if (backends != null) backends.close();
    if (redis != null) redis.close();
  }

  @Test
  @Order(1)
  void aRollingRestartUnderLoadLosesNoRequest() throws Exception {
    FleetChecks.Rolling r = FleetChecks.rollingRestart(fleet, driver, headers, 50, CONNECTIONS);
    System.out.println("fleet: " + r.line());
    assertTrue(r.load().requests() > 500, "the load ran through the restart: " + r.line());
    assertEquals(0, r.load().errors(), r.line());
  }

  @Test
  @Order(2)
  void aKilledInstanceLosesOnlyWhatItHadInFlight() throws Exception {
    FleetChecks.Killed k = FleetChecks.killOne(fleet, driver, headers, 100, CONNECTIONS);
    System.out.println("fleet: " + k.line());
    assertTrue(k.load().requests() > 500, k.line());
    // Only what was in flight on it when it died: each lost request is a connection closed under it or HAProxy's 502
    // (a timeout or a 503 would mean traffic sent to a dead instance), no more than the driver's connections (each
    // has one request at most in flight), and HAProxy counted no failure on the instances that stayed.
    assertEquals(0, k.elsewhere(), k.line());
    assertTrue(k.load().errors() <= CONNECTIONS, k.line());
    assertTrue(FleetChecks.inFlightKinds(k.load()), "every loss was a request in flight: " + k.line());
  }

  @Test
  @Order(3)
  void oneKeysRateLimitHoldsAcrossTheFleet() throws Exception {
    FleetChecks.Limited l = FleetChecks.rateLimit(fleet, 3);
    System.out.println("fleet: " + l.line());
    assertTrue(l.refused() > 0, l.line());
    assertTrue(l.allowed() >= 20, "the burst is allowed: " + l.line());
    assertTrue(l.allowed() <= l.bound() + 1, "within GCRA's bound for one limit shared by the fleet: " + l.line());
  }

  @Test
  @Order(4)
  void anApqHashRegisteredOnOneInstanceIsKnownToTheOthers() throws Exception {
    assertEquals(fleet.size() - 1, FleetChecks.apqKnownElsewhere(fleet, headers.get("authorization")));
  }
}
