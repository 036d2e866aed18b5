package dev.bffkit.core.grpc;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Map;

/**
 * Fuzzes the transcoding routes' path matching (the client controls the path): any path against
 * the templates the demo and the tests use matches with its variables or does not match; it
 * never throws.
 */
class PathTemplateFuzzTest {
  private static final PathTemplate[] TEMPLATES = {
      PathTemplate.compile("/rest", "/v1/users/{user_id}/recommendations"),
      PathTemplate.compile("/rest", "/v1/users/{user_id}/notifications:unreadCount"),
      PathTemplate.compile("", "/v1/{name=shelves/*/books/*}"),
      PathTemplate.compile("", "/v1/files/{path=**}:download")};

  @FuzzTest(maxDuration = "10s")
  void paths(FuzzedDataProvider data) {
    PathTemplate t = TEMPLATES[data.consumeInt(0, TEMPLATES.length - 1)];
    Map<String, String> vars = t.match(data.consumeRemainingAsString());
    if (vars != null) vars.values().forEach(v -> {
      if (v == null) throw new AssertionError("a matched variable is never null");
    });
  }
}
