package dev.bffkit.core.wasm;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** WebAssembly text to a module, with Debian's wabt (wat2wasm); a test is skipped where it is not installed. */
final class Wat {
  private Wat() {}

  static byte[] compile(String wat) throws Exception {
    Path dir = Files.createTempDirectory("wat");
    Path src = dir.resolve("m.wat");
    Path out = dir.resolve("m.wasm");
    Files.writeString(src, wat, StandardCharsets.UTF_8);
    Process p;
    try {
      p = new ProcessBuilder(List.of("wat2wasm", src.toString(), "-o", out.toString())).redirectErrorStream(true)
          .redirectOutput(dir.resolve("log").toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
    } catch (IOException noWabt) {
      Assumptions.abort("wat2wasm is not installed (Debian package wabt): " + noWabt.getMessage());
      return null;
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("wat2wasm timed out");
    }
    if (p.exitValue() != 0) throw new IllegalStateException("wat2wasm: " + Files.readString(dir.resolve("log")));
    return Files.readAllBytes(out);
  }

  /**
   * A Proxy-Wasm filter skeleton: ABI 0.2.1, memory, a bump allocator, the context callbacks; {@code body} adds
   * functions and data (it may define proxy_on_request_headers / proxy_on_response_headers, else they continue).
   */
  static String filter(String imports, String body) {
    StringBuilder b = new StringBuilder("(module\n").append(imports).append("""
          (memory (export "memory") 2)
          (global $heap (mut i32) (i32.const 8192))
          (func (export "proxy_abi_version_0_2_1"))
          (func $malloc (export "malloc") (param $n i32) (result i32)
            (local $p i32)
            (local.set $p (global.get $heap))
            (global.set $heap (i32.add (global.get $heap) (local.get $n)))
            (local.get $p))
          (func (export "proxy_on_context_create") (param i32 i32))
          (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
        """);
    if (!body.contains("\"proxy_on_configure\"")) {
      b.append("  (func (export \"proxy_on_configure\") (param i32 i32) (result i32) (i32.const 1))\n");
    }
    if (!body.contains("\"proxy_on_request_headers\"")) {
      b.append("  (func (export \"proxy_on_request_headers\") (param i32 i32 i32) (result i32) (i32.const 0))\n");
    }
    if (!body.contains("\"proxy_on_response_headers\"")) {
      b.append("  (func (export \"proxy_on_response_headers\") (param i32 i32 i32) (result i32) (i32.const 0))\n");
    }
    return b.append(body).append(")\n").toString();
  }
}
