package dev.bffkit.core.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MultipartAcceptTest {
  @Test
  void multipartOnlyWhenNamedWithOurSpec() {
    Map<String, Boolean> cases = new java.util.LinkedHashMap<>();
    cases.put("multipart/mixed;deferSpec=20220824,application/json", true); // Apollo Client 3
    cases.put("multipart/mixed;deferSpec=20220824,application/graphql-response+json,application/json;q=0.9", true);
    cases.put("multipart/mixed", true);
    cases.put("Multipart/Mixed; deferSpec=\"20220824\"", true);
    cases.put("application/json, multipart/mixed;q=0.5", true);
    cases.put("multipart/mixed;q=0", false);
    cases.put("multipart/mixed;q=abc", false);
    cases.put("multipart/mixed;deferSpec=20230621", false); // a spec we do not speak
    cases.put("multipart/mixed;subscriptionSpec=1.0,application/json", true);
    cases.put("*/*", false);
    cases.put("multipart/*", false);
    cases.put("application/json", false);
    cases.put("", false);
    cases.put(null, false);
    cases.put("multipart/mixedx", false);
    cases.forEach((accept, want) -> assertEquals(want, MultipartAccept.accepts(accept), String.valueOf(accept)));
  }
}
