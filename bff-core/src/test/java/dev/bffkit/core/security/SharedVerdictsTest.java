package dev.bffkit.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a reader makes of a value in the fleet's Redis ({@code <until ms>\n<the identity provider's answer>}): the
 * answer judged again with its own settings, ending no later than the writer said; anything else a miss (null), never
 * an exception. Plus a Jazzer target over any bytes.
 */
class SharedVerdictsTest {
  static final long NOW = IntrospectionAnswerTest.NOW;
  static final String ACTIVE = "{\"active\":true,\"sub\":\"u1\",\"aud\":\"bff\",\"scope\":\"read\"}";

  static IntrospectionAnswer.Verdict decode(String value) {
    return SharedVerdicts.decode(Buffer.buffer(value), IntrospectionAnswerTest.ISSUER, NOW);
  }

  @Test
  void anActiveAnswerEndsWhenTheWriterSaid() {
    IntrospectionAnswer.Verdict v = decode((NOW + 5_000) + "\n" + ACTIVE);
    assertEquals("u1", v.principal().subject());
    assertEquals(NOW + 5_000, v.untilMillis());
  }

  @Test
  void orEarlierWhenTheReadersOwnSettingsSaySo() {
    // The writer said an hour; this reader's cacheTtl is 5 minutes.
    assertEquals(NOW + 300_000, decode((NOW + 3_600_000) + "\n" + ACTIVE).untilMillis());
  }

  @Test
  void theReaderChecksTheAnswerAgain() {
    IntrospectionAnswer.Verdict v = decode((NOW + 5_000) + "\n{\"active\":true,\"sub\":\"u1\",\"aud\":\"other\"}");
    assertNull(v.principal());
    assertEquals("token not meant for this audience", v.refusal());
    assertEquals(IntrospectionAnswer.INACTIVE, decode((NOW + 5_000) + "\n{\"active\":false}").refusal());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "\n{\"active\":true,\"aud\":\"bff\"}",
      "{\"active\":true,\"aud\":\"bff\"}",
      "1800000005000",
      "soon\n{\"active\":true,\"aud\":\"bff\"}",
      "-1\n{\"active\":true,\"aud\":\"bff\"}",
      "1799999999999\n{\"active\":true,\"aud\":\"bff\"}",
      "1800000000000\n{\"active\":true,\"aud\":\"bff\"}",
      "99999999999999999999999\n{\"active\":true,\"aud\":\"bff\"}",
      "1800000005000\n",
      "1800000005000\n{\"active\":\"true\"}",
      "1800000005000\n[true]",
      "1800000005000\r\n{\"active\":true,\"aud\":\"bff\"}",
  })
  void anythingElseIsAMiss(String value) {
    assertNull(decode(value), value);
  }

  @FuzzTest(maxDuration = "10s")
  void anyBytesGiveAVerdictOrAMiss(FuzzedDataProvider data) {
    IntrospectionAnswer.Verdict v = SharedVerdicts.decode(Buffer.buffer(data.consumeRemainingAsBytes()),
        IntrospectionAnswerTest.ISSUER, NOW);
    if (v != null && v.untilMillis() <= NOW) throw new AssertionError("an ended verdict was returned");
  }
}
