package dev.bffkit.core.config;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the bff.yaml parser: any text gives a config or a {@link ConfigException}, never another
 * exception, a hang or unbounded memory. In a normal build only the seeds run; with
 * {@code JAZZER_FUZZ=1} it fuzzes for {@code maxDuration}.
 */
class ConfigFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void bffYaml(FuzzedDataProvider data) {
    String prefix = data.pickValue(new String[] {"", "services:\n  users: { endpoints: \"http://127.0.0.1:1\" }\n",
        "auth:\n  issuers:\n    - ", "limits:\n  ", "filters:\n  ipAllow: [", "routes:\n  - "});
    String text = prefix + data.consumeRemainingAsString();
    try {
      BffYaml.parse("fuzz/bff.yaml", text, "fuzz", new EnvInterpolator(name -> name.equals("SET") ? "x" : null));
    } catch (ConfigException expected) {
      // a clear error is the right answer to bad input
    }
  }

  @FuzzTest(maxDuration = "5s")
  void cidr(FuzzedDataProvider data) {
    String text = data.consumeRemainingAsString();
    try {
      Cidr c = Cidr.parse(text);
      c.contains(Cidr.literal(text));
    } catch (IllegalArgumentException expected) {
      // refused
    }
  }
}
