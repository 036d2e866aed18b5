package dev.bffkit.core.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionImport;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The committed example filters (filters/dist/*.wasm) as the host will see them, without a host: each parses with
 * Chicory, exports what a Proxy-Wasm HTTP filter needs, imports exactly the functions filters/README.md lists
 * for it (the host must provide every one of them; a new import fails here before it fails at load time), and
 * instantiates on Chicory.
 */
class ExampleFilterModulesTest {
  static final Path DIST = Path.of("").toAbsolutePath().getParent().resolve("filters/dist");

  /** Every filter: logging, reading its configuration, and the SDK's abort path (wasi_unstable). */
  private static final Set<String> COMMON = Set.of("env.proxy_log", "env.proxy_get_buffer_bytes",
      "wasi_unstable.proc_exit");

  private static final Map<String, Set<String>> OWN_IMPORTS = Map.of(
      "add-header", Set.of("env.proxy_add_header_map_value"),
      "header-sanitize", Set.of("env.proxy_get_header_map_pairs", "env.proxy_send_local_response",
          "env.proxy_remove_header_map_value", "env.proxy_replace_header_map_value", "env.proxy_get_property"),
      "ab-routing", Set.of("env.proxy_get_header_map_pairs", "env.proxy_replace_header_map_value",
          "env.proxy_add_header_map_value", "env.proxy_get_property"),
      "pii-redaction", Set.of("env.proxy_define_metric", "env.proxy_increment_metric",
          "env.proxy_get_header_map_value", "env.proxy_remove_header_map_value", "env.proxy_set_buffer_bytes"));

  @Test
  void everyFilterIsCommitted() throws Exception {
    try (var files = Files.list(DIST)) {
      Set<String> names = files.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
      assertEquals(new TreeSet<>(Set.of("ab-routing.wasm", "add-header.wasm", "header-sanitize.wasm",
          "pii-redaction.wasm")), names);
    }
  }

  /** The web demo serves the PII filter from its own folder (a folder in a jar cannot reach filters/): the same bytes. */
  @Test
  void theWebDemosCopyIsTheBuiltFilter() throws Exception {
    Path copy = DIST.resolve("../../bff-web/src/main/resources/bff/web/filters/pii-redaction.wasm").normalize();
    assertArrayEquals(Files.readAllBytes(DIST.resolve("pii-redaction.wasm")), Files.readAllBytes(copy),
        copy + " differs from filters/dist: cp filters/dist/pii-redaction.wasm " + copy);
  }

  @Test
  void exportsWhatAnHttpFilterNeeds() {
    for (String filter : OWN_IMPORTS.keySet()) {
      Set<String> exports = exports(parse(filter));
      for (String e : Set.of("memory", "malloc", "proxy_on_context_create", "proxy_on_configure",
          "proxy_on_request_headers", "proxy_on_response_headers", "proxy_on_response_body", "proxy_on_done",
          "proxy_on_delete")) {
        assertTrue(exports.contains(e), filter + " lacks export " + e + ": " + exports);
      }
      // @solo-io/proxy-runtime 0.1.8 declares ABI 0.2.0 (the host accepts 0.2.0 and 0.2.1).
      assertTrue(exports.contains("proxy_abi_version_0_2_0") || exports.contains("proxy_abi_version_0_2_1"),
          filter + " declares no ABI version: " + exports);
    }
  }

  @Test
  void importsExactlyTheDocumentedHostFunctions() {
    for (var e : OWN_IMPORTS.entrySet()) {
      WasmModule m = parse(e.getKey());
      Set<String> imports = m.importSection().stream().map(i -> i.module() + "." + i.name())
          .collect(Collectors.toCollection(TreeSet::new));
      Set<String> expected = new TreeSet<>(COMMON);
      expected.addAll(e.getValue());
      assertEquals(expected, imports, e.getKey());
    }
  }

  /**
   * Chicory's interpreter accepts each module and runs its start function, root context creation and an empty
   * configuration without host calls: every import here fails the test if called, except the PII filter's metric
   * definition, which answers Unimplemented (12) and must not stop the filter from configuring.
   */
  @Test
  void instantiatesAndConfiguresWithoutHostCalls() {
    for (String filter : OWN_IMPORTS.keySet()) {
      WasmModule m = parse(filter);
      List<ImportFunction> refusing = m.importSection().stream().map(i -> (ImportFunction) new HostFunction(
          i.module(), i.name(), m.typeSection().getType(((FunctionImport) i).typeIndex()), (inst, args) -> {
            if (i.name().equals("proxy_define_metric")) return new long[] {12};
            throw new AssertionError(filter + " called " + i.module() + "." + i.name());
          })).toList();
      Instance instance = Instance.builder(m).withImportValues(ImportValues.builder().withFunctions(refusing).build())
          .build();
      instance.export("proxy_on_context_create").apply(1, 0);
      assertEquals(1L, instance.export("proxy_on_configure").apply(1, 0)[0], filter);
    }
  }

  private static WasmModule parse(String filter) {
    return Parser.parse(DIST.resolve(filter + ".wasm"));
  }

  private static Set<String> exports(WasmModule m) {
    var section = m.exportSection();
    return IntStream.range(0, section.exportCount()).mapToObj(i -> section.getExport(i).name())
        .collect(Collectors.toSet());
  }
}
