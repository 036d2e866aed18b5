package dev.bffkit.core.route;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.bffkit.core.pipeline.Cookies;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.pointer.JsonPointer;

/**
 * Fuzzes what content routing reads from a request: the JSON body (any bytes give a JSON object,
 * array or null, never an exception), a field found in it by pointer, and a cookie found in a
 * Cookie header (a value that is a part of the header, or null). Seeds only in a normal build;
 * {@code JAZZER_FUZZ=1} fuzzes for {@code maxDuration}.
 */
class ContentRulesFuzzTest {
  private static final JsonPointer[] POINTERS = {
      JsonPointer.from("/order/priority"), JsonPointer.from("/0/a"), JsonPointer.from("/a~1b"), JsonPointer.from("/-")};

  @FuzzTest(maxDuration = "10s")
  void jsonBody(FuzzedDataProvider data) {
    String type = data.pickValue(new String[] {"application/json", "application/x+json; charset=utf-8", "text/plain", ""});
    Object json = ContentRules.json(Buffer.buffer(data.consumeRemainingAsBytes()), type);
    assertTrue(json == null || json instanceof JsonObject || json instanceof JsonArray);
    if (json != null) for (JsonPointer p : POINTERS) p.queryJson(json);
  }

  @FuzzTest(maxDuration = "5s")
  void cookie(FuzzedDataProvider data) {
    String name = data.consumeString(8);
    String header = data.consumeRemainingAsString();
    String v = Cookies.value(header, name);
    assertTrue(v == null || header.contains(v));
  }
}
