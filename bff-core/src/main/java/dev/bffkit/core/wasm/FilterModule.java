package dev.bffkit.core.wasm;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.WasmFilterConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One filter's module, parsed, checked and compiled to JVM bytecode once (Chicory's compiler), off the event loop;
 * immutable and shared by every event loop, each of which instantiates its own {@link FilterVm} from it. A module
 * is refused at load, with the filter's bff.yaml line, when it is not WebAssembly, declares no Proxy-Wasm ABI
 * version we speak, lacks a required export, imports anything beyond the ABI (and the few WASI calls the SDKs
 * need), asks for more memory than its limit, or fails {@code proxy_on_vm_start} / {@code proxy_on_configure} in a
 * trial instance (within its callback budget, so a module that loops there is refused too).
 */
public final class FilterModule {
  static final int PAGE = 64 * 1024;
  private static final List<String> REQUIRED = List.of("proxy_on_context_create", "proxy_on_request_headers",
      "proxy_on_response_headers");

  final WasmFilterConfig config;
  final WasmModule module;
  final Function<Instance, Machine> machine;
  final MemoryLimits limits;
  final byte[] pluginConfig;
  final long budgetNanos;
  /** The same in µs, as the watchdog's guard takes it (at least 1, at most about 35 minutes). */
  final int budgetMicros;
  /** Whether the module exports proxy_on_request_body (a request's body is then read whole for it). */
  final boolean readsRequestBody;
  final Set<String> exports;
  /** proxy_get/set_shared_data: one store per filter, seen by all its instances (and kept across a reload). */
  final SharedData shared;
  private final Map<MeterRegistry, FilterMeters> meters = new ConcurrentHashMap<>();

  private FilterModule(WasmFilterConfig config, WasmModule module, Function<Instance, Machine> machine,
      MemoryLimits limits, Set<String> exports, SharedData shared) {
    this.config = config;
    this.module = module;
    this.machine = machine;
    this.limits = limits;
    this.pluginConfig = config.config() == null ? new byte[0] : config.config().getBytes(StandardCharsets.UTF_8);
    this.budgetNanos = config.callbackBudget().toNanos();
    this.budgetMicros = (int) Math.min(Integer.MAX_VALUE, Math.max(1, budgetNanos / 1000));
    this.readsRequestBody = exports.contains("proxy_on_request_body");
    this.exports = exports;
    this.shared = shared;
  }

  public String name() {
    return config.name();
  }

  public WasmFilterConfig config() {
    return config;
  }

  /** The filter's metrics in {@code registry}, made once per registry. */
  FilterMeters meters(MeterRegistry registry) {
    return meters.computeIfAbsent(registry, r -> new FilterMeters(config.name(), r));
  }

  /** Parses, checks, compiles and trial-runs the module; {@code shared} carries a reloaded filter's shared data. */
  static FilterModule compile(WasmFilterConfig c, SharedData shared) {
    WasmModule m;
    try {
      m = Parser.parse(c.module());
    } catch (RuntimeException | AssertionError e) { // corrupt bytes may also end in BufferUnderflowException, or an
      // assert of Chicory's parser (AnnotatedInstruction.build) when assertions are on
      throw refused(c, "is not a valid WebAssembly module (" + e.getMessage() + "); build it with a Proxy-Wasm SDK");
    }
    Set<String> exports = new HashSet<>();
    boolean memory = false;
    for (int i = 0; i < m.exportSection().exportCount(); i++) {
      var e = m.exportSection().getExport(i);
      if (e.exportType() == ExternalType.FUNCTION) exports.add(e.name());
      if (e.exportType() == ExternalType.MEMORY && e.name().equals("memory")) memory = true;
    }
    boolean versioned = false;
    for (String v : Abi.VERSIONS) versioned |= exports.contains(v);
    if (!versioned) {
      throw refused(c, "declares no Proxy-Wasm ABI version we speak (an export named proxy_abi_version_0_2_1 or"
          + " _0_2_0); build it with a Proxy-Wasm SDK for ABI 0.2.x");
    }
    List<String> missing = new ArrayList<>();
    for (String r : REQUIRED) if (!exports.contains(r)) missing.add(r);
    if (!exports.contains("malloc") && !exports.contains("proxy_on_memory_allocate")) missing.add("malloc");
    if (!memory) missing.add("memory");
    if (!missing.isEmpty()) {
      throw refused(c, "lacks the exports " + String.join(", ", missing) + " that a Proxy-Wasm HTTP filter has");
    }
    Set<String> unknown = new TreeSet<>();
    for (int i = 0; i < m.importSection().importCount(); i++) {
      var imp = m.importSection().getImport(i);
      String key = imp.module() + "." + imp.name();
      if (imp.importType() != ExternalType.FUNCTION || !HostFunctions.NAMES.contains(key)) unknown.add(key);
    }
    if (!unknown.isEmpty()) {
      throw refused(c, "imports what the sandbox does not give: " + String.join(", ", unknown)
          + " (filters may use the Proxy-Wasm ABI 0.2.1 and the WASI calls listed in the README)");
    }
    int maxPages = (int) Math.max(1, c.maxMemoryBytes() / PAGE);
    MemoryLimits declared = m.memorySection().get().getMemory(0).limits();
    if (declared.initialPages() > maxPages) {
      throw refused(c, "starts with " + declared.initialPages() * (PAGE / 1024) + " KiB of memory, beyond its limit of "
          + maxPages * (PAGE / 1024) + " KiB; raise maxMemory or shrink the module");
    }
    MemoryLimits limits = new MemoryLimits(declared.initialPages(), Math.min(declared.maximumPages(), maxPages));
    Function<Instance, Machine> machine;
    try {
      machine = MachineFactoryCompiler.compile(m);
    } catch (RuntimeException e) {
      throw refused(c, "does not compile (" + e.getMessage() + ")");
    }
    FilterModule fm = new FilterModule(c, m, machine, limits, Set.copyOf(exports), shared == null ? new SharedData() : shared);
    CallbackWatchdog.get().budget(fm.budgetNanos);
    try {
      FilterVm trial = FilterVm.create(fm, CallbackWatchdog.get().guard(), fm.meters(new SimpleMeterRegistry()));
      trial.close();
    } catch (FilterFailure f) {
      throw refused(c, "failed to start: " + f.getMessage());
    }
    return fm;
  }

  private static ConfigException refused(WasmFilterConfig c, String why) {
    return ConfigException.at(c.declaredAt(), "filters.wasm '" + c.name() + "': " + c.file() + " " + why);
  }
}
