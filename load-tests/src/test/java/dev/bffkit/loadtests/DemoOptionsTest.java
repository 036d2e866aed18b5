package dev.bffkit.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {
  @Test
  void defaults() {
    Demo.Options o = Demo.parse(new String[0], Map.<String, String>of()::get);
    assertEquals(9101, o.servicesBasePort());
    assertEquals(Map.of("ios", 8081, "android", 8082, "web", 8083, "tv", 8084), o.bffPorts());
    assertEquals(1, o.serviceInstances());
    assertEquals(false, o.servicesOnly());
  }

  @Test
  void flagsBeatEnv() {
    Map<String, String> env = Map.of("SERVICES_BASE_PORT", "9201", "WEB_PORT", "9083", "TV_PORT", "9084");
    Demo.Options o = Demo.parse(new String[] {"--services-base-port", "19101", "--ios-port=18081", "--tv-port", "0",
        "--service-instances", "4", "--services-only"}, env::get);
    assertEquals(19101, o.servicesBasePort());
    assertEquals(18081, o.bffPorts().get("ios"));
    assertEquals(8082, o.bffPorts().get("android"));
    assertEquals(9083, o.bffPorts().get("web"));
    assertEquals(0, o.bffPorts().get("tv"));
    assertEquals(4, o.serviceInstances());
    assertTrue(o.servicesOnly());
  }

  @Test
  void badInput() {
    assertThrows(IllegalArgumentException.class, () -> Demo.parse(new String[] {"--ios-port"}, k -> null));
    assertThrows(IllegalArgumentException.class, () -> Demo.parse(new String[] {"--ios-port", "x"}, k -> null));
    assertThrows(IllegalArgumentException.class, () -> Demo.parse(new String[] {"--bogus"}, k -> null));
    assertNull(Demo.parse(new String[] {"--help"}, k -> null));
  }
}
