package dev.bffkit.core.compose;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Locale;

/**
 * Fuzzes the Accept negotiation of the GraphQL endpoint with hostile headers: it never throws, a
 * qvalue is always within 0..1000, and graphql-response+json is never chosen for a header that
 * neither names it nor has a wildcard.
 */
class AcceptedMediaFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void accept(FuzzedDataProvider data) {
    String accept = data.consumeRemainingAsString();
    boolean graphql = AcceptedMedia.graphqlResponse(accept);
    String lower = accept.toLowerCase(Locale.ROOT);
    if (graphql && !lower.contains(AcceptedMedia.GRAPHQL_RESPONSE) && !lower.contains("*")) {
      throw new AssertionError("graphql-response+json chosen for '" + accept + "'");
    }
  }

  @FuzzTest(maxDuration = "5s")
  void qvalues(FuzzedDataProvider data) {
    int q = AcceptedMedia.qvalue(data.consumeRemainingAsString());
    if (q < 0 || q > 1000) throw new AssertionError("q out of range: " + q);
  }
}
