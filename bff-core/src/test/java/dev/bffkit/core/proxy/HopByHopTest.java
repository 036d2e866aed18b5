package dev.bffkit.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class HopByHopTest {
  @Test
  void everyHopByHopHeaderInAnyCaseAndNothingElse() {
    for (String h : List.of("Connection", "KEEP-ALIVE", "proxy-connection", "Proxy-Authenticate", "proxy-authorization",
        "TE", "Trailer", "transfer-encoding", "Upgrade", "Host", "HTTP2-Settings", ":authority")) {
      assertTrue(HopByHop.hopByHop(h), h);
    }
    for (String h : List.of("content-type", "x-te", "hosts", "trailers", "content-length", "authorization", "cookie")) {
      assertFalse(HopByHop.hopByHop(h), h);
    }
  }

  @Test
  void headersNamedInConnectionAreDroppedToo() {
    MultiMap from = MultiMap.caseInsensitiveMultiMap()
        .add("Connection", "keep-alive, X-Secret").add("X-Secret", "s").add("X-Kept", "k").add("Keep-Alive", "5");
    MultiMap to = MultiMap.caseInsensitiveMultiMap();
    HopByHop.copy(from, to);
    assertEquals(1, to.size());
    assertEquals("k", to.get("x-kept"));
  }
}
