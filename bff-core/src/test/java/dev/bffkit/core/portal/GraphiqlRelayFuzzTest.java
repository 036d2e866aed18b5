package dev.bffkit.core.portal;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * Fuzzes GraphiQL's relay request (hostile JSON from the portal's POST) into the GraphQL request sent to the client
 * listener and the developer's credential: either a clear refusal (IllegalArgumentException) or a request holding only
 * {@code query} (a non-blank string), {@code variables} (an object) and {@code operationName} (a string): never the
 * token, which goes only in a header, and never a token a header could not carry (no CR, LF or NUL, RFC 9110 §5.5).
 */
class GraphiqlRelayFuzzTest {
  private static final Set<String> SENT = Set.of("query", "variables", "operationName");

  @FuzzTest(maxDuration = "10s")
  void request(FuzzedDataProvider data) {
    JsonObject in;
    try {
      in = new JsonObject(data.consumeRemainingAsString());
    } catch (DecodeException | ClassCastException notAnObject) {
      return;
    }
    JsonObject out;
    ClientRelay.Credential credential;
    try {
      out = GraphiqlRelay.request(in);
      credential = ClientRelay.Credential.of(in);
    } catch (IllegalArgumentException refused) {
      return;
    }
    if (!SENT.containsAll(out.fieldNames())) throw new AssertionError("sent more than the GraphQL request: " + out);
    if (!(out.getValue("query") instanceof String q) || q.isBlank()) throw new AssertionError("no query: " + out);
    Object v = out.getValue("variables");
    if (v != null && !(v instanceof JsonObject)) throw new AssertionError("variables: " + out);
    Object op = out.getValue("operationName");
    if (op != null && !(op instanceof String)) throw new AssertionError("operationName: " + out);
    String t = credential.token();
    if (t != null && (t.isEmpty() || t.length() > ClientRelay.MAX_TOKEN || t.indexOf('\r') >= 0 || t.indexOf('\n') >= 0
        || t.indexOf('\0') >= 0)) {
      throw new AssertionError("a token no header can carry");
    }
  }
}
