package dev.bffkit.core.portal;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * Fuzzes the try-it request's variables (hostile JSON from the portal's POST) into the query string sent to the
 * client listener: either a clear refusal (IllegalArgumentException) or a query string of URL-safe characters only
 * (nothing that could end the request line or add a header, RFC 9112 §3.2) with at most {@value ScreenTryOut#MAX_VALUES}
 * values.
 */
class TryOutQueryFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void variables(FuzzedDataProvider data) {
    String text = data.consumeRemainingAsString();
    Object variables;
    try {
      variables = new JsonObject("{\"v\":" + text + "}").getValue("v");
    } catch (DecodeException notJson) {
      return;
    }
    String q;
    try {
      q = ScreenTryOut.query(variables);
    } catch (IllegalArgumentException refused) {
      return;
    }
    if (!q.isEmpty() && q.charAt(0) != '?') throw new AssertionError("not a query string: " + q);
    int values = 0;
    for (int i = 0; i < q.length(); i++) {
      char c = q.charAt(i);
      boolean safe = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-_.*%=&?".indexOf(c) >= 0;
      if (!safe) throw new AssertionError("unsafe character " + (int) c + " in " + q);
      if (c == '=') values++;
    }
    if (values > ScreenTryOut.MAX_VALUES) throw new AssertionError(values + " values");
  }
}
