package dev.bffkit.core.wasm;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything a filter may import, and nothing more: the Proxy-Wasm ABI 0.2.1 host functions (plus the 0.1/0.2.0
 * names the SDKs still import), and the few WASI calls the SDKs' runtimes make, answered inside the sandbox (no
 * file, clock source beyond the time, environment or argument of the host is reachable). Each is bound to one
 * {@link FilterVm}. Calls the BFF does not offer (outbound HTTP and gRPC calls, shared queues, timers, foreign
 * functions) answer UNIMPLEMENTED, as the ABI allows.
 */
final class HostFunctions {
  private static final String ENV = "env";
  private static final String WASI = "wasi_snapshot_preview1";
  private static final String WASI_UNSTABLE = "wasi_unstable";

  /** {@code module.name} of every import a filter may have. */
  static final Set<String> NAMES;

  static {
    Set<String> names = new HashSet<>();
    for (HostFunction f : bind(null)) names.add(f.module() + "." + f.name());
    NAMES = Collections.unmodifiableSet(names);
  }

  private HostFunctions() {}

  /** The host functions of {@code vm} (null: only their names and types are wanted). */
  static List<HostFunction> bind(FilterVm vm) {
    List<HostFunction> f = new ArrayList<>(64);
    // logging, time, context
    env(f, "proxy_log", 3, a -> vm.log(i(a, 0), i(a, 1), i(a, 2)));
    env(f, "proxy_get_log_level", 1, a -> vm.logLevel(i(a, 0)));
    env(f, "proxy_get_current_time_nanoseconds", 1, a -> vm.timeNanos(i(a, 0)));
    env(f, "proxy_set_effective_context", 1, a -> vm.effectiveContext(i(a, 0)));
    env(f, "proxy_done", 0, a -> Abi.OK);
    env(f, "proxy_set_tick_period_milliseconds", 1, a -> Abi.UNIMPLEMENTED);
    // buffers
    env(f, "proxy_get_buffer_bytes", 5, a -> vm.getBuffer(i(a, 0), i(a, 1), i(a, 2), i(a, 3), i(a, 4)));
    env(f, "proxy_set_buffer_bytes", 5, a -> vm.setBuffer(i(a, 0), i(a, 1), i(a, 2), i(a, 3), i(a, 4)));
    env(f, "proxy_get_buffer_status", 3, a -> vm.bufferStatus(i(a, 0), i(a, 1), i(a, 2)));
    env(f, "proxy_get_configuration", 2, a -> vm.configuration(i(a, 0), i(a, 1))); // ABI 0.1.0
    // header maps
    env(f, "proxy_get_header_map_size", 2, a -> vm.mapSize(i(a, 0), i(a, 1)));
    env(f, "proxy_get_header_map_pairs", 3, a -> vm.mapPairs(i(a, 0), i(a, 1), i(a, 2)));
    env(f, "proxy_set_header_map_pairs", 3, a -> vm.setMapPairs(i(a, 0), i(a, 1), i(a, 2)));
    env(f, "proxy_get_header_map_value", 5, a -> vm.mapValue(i(a, 0), i(a, 1), i(a, 2), i(a, 3), i(a, 4)));
    env(f, "proxy_add_header_map_value", 5, a -> vm.addMapValue(i(a, 0), i(a, 1), i(a, 2), i(a, 3), i(a, 4), false));
    env(f, "proxy_replace_header_map_value", 5, a -> vm.addMapValue(i(a, 0), i(a, 1), i(a, 2), i(a, 3), i(a, 4), true));
    env(f, "proxy_remove_header_map_value", 3, a -> vm.removeMapValue(i(a, 0), i(a, 1), i(a, 2)));
    // the stream
    env(f, "proxy_continue_stream", 1, a -> Abi.OK); // callbacks never wait on the host: a paused stream resumes at its end
    env(f, "proxy_continue_request", 0, a -> Abi.OK); // ABI 0.1.0
    env(f, "proxy_continue_response", 0, a -> Abi.OK); // ABI 0.1.0
    env(f, "proxy_close_stream", 1, a -> vm.closeStream());
    env(f, "proxy_clear_route_cache", 0, a -> Abi.OK); // routes are chosen by path; rules read headers as they are
    env(f, "proxy_send_local_response", 8,
        a -> vm.localResponse(i(a, 0), i(a, 1), i(a, 2), i(a, 3), i(a, 4), i(a, 5), i(a, 6), i(a, 7)));
    env(f, "proxy_get_status", 3, a -> Abi.NOT_FOUND);
    // properties, shared data, metrics
    env(f, "proxy_get_property", 4, a -> vm.getProperty(i(a, 0), i(a, 1), i(a, 2), i(a, 3)));
    env(f, "proxy_set_property", 4, a -> vm.setProperty(i(a, 0), i(a, 1), i(a, 2), i(a, 3)));
    env(f, "proxy_get_shared_data", 5, a -> vm.getShared(i(a, 0), i(a, 1), i(a, 2), i(a, 3), i(a, 4)));
    env(f, "proxy_set_shared_data", 5, a -> vm.setShared(i(a, 0), i(a, 1), i(a, 2), i(a, 3), i(a, 4)));
    env(f, "proxy_define_metric", 4, a -> vm.defineMetric(i(a, 0), i(a, 1), i(a, 2), i(a, 3)));
    f.add(fn(ENV, "proxy_increment_metric", List.of(ValType.I32, ValType.I64), true,
        a -> vm.metric(i(a, 0), a[1], false)));
    f.add(fn(ENV, "proxy_record_metric", List.of(ValType.I32, ValType.I64), true,
        a -> vm.metric(i(a, 0), a[1], true)));
    env(f, "proxy_get_metric", 2, a -> vm.getMetric(i(a, 0), i(a, 1)));
    // not offered: outbound calls, queues, foreign functions
    for (String name : List.of("proxy_http_call:10", "proxy_grpc_call:12", "proxy_grpc_stream:9", "proxy_grpc_send:4",
        "proxy_grpc_cancel:1", "proxy_grpc_close:1", "proxy_register_shared_queue:3", "proxy_resolve_shared_queue:5",
        "proxy_enqueue_shared_queue:3", "proxy_dequeue_shared_queue:3", "proxy_call_foreign_function:6")) {
      int colon = name.indexOf(':');
      env(f, name.substring(0, colon), Integer.parseInt(name.substring(colon + 1)), a -> Abi.UNIMPLEMENTED);
    }
    // WASI, inside the sandbox
    wasi(f, "fd_write", 4, a -> vm.fdWrite(i(a, 0), i(a, 1), i(a, 2), i(a, 3)));
    for (String name : List.of("fd_read:4", "fd_close:1", "fd_fdstat_get:2", "fd_prestat_get:2", "fd_prestat_dir_name:3")) {
      int colon = name.indexOf(':');
      wasi(f, name.substring(0, colon), Integer.parseInt(name.substring(colon + 1)), a -> Abi.WASI_BADF);
    }
    f.add(fn(WASI, "fd_seek", List.of(ValType.I32, ValType.I64, ValType.I32, ValType.I32), true, a -> Abi.WASI_BADF));
    f.add(fn(WASI, "proc_exit", List.of(ValType.I32), false, a -> {
      throw new TrapException("proc_exit(" + i(a, 0) + ")");
    }));
    f.add(fn(WASI, "clock_time_get", List.of(ValType.I32, ValType.I64, ValType.I32), true,
        a -> vm.clockTime(i(a, 0), i(a, 2))));
    wasi(f, "random_get", 2, a -> vm.random(i(a, 0), i(a, 1)));
    wasi(f, "environ_sizes_get", 2, a -> vm.zeroes(i(a, 0), i(a, 1)));
    wasi(f, "args_sizes_get", 2, a -> vm.zeroes(i(a, 0), i(a, 1)));
    wasi(f, "environ_get", 2, a -> Abi.WASI_SUCCESS);
    wasi(f, "args_get", 2, a -> Abi.WASI_SUCCESS);
    wasi(f, "sched_yield", 0, a -> Abi.WASI_SUCCESS);
    // the same under the pre-snapshot name that older toolchains (AssemblyScript 0.14, the Proxy-Wasm AS SDK) import
    List<HostFunction> unstable = new ArrayList<>();
    for (HostFunction h : f) {
      if (h.module().equals(WASI)) unstable.add(new HostFunction(WASI_UNSTABLE, h.name(), h.functionType(), h.handle()));
    }
    f.addAll(unstable);
    return f;
  }

  /** An ABI call: its i32 arguments in, a status out. */
  @FunctionalInterface
  interface Call {
    int apply(long[] args);
  }

  private static int i(long[] a, int n) {
    return (int) a[n];
  }

  private static void env(List<HostFunction> f, String name, int args, Call call) {
    f.add(fn(ENV, name, Collections.nCopies(args, ValType.I32), true, call));
  }

  private static void wasi(List<HostFunction> f, String name, int args, Call call) {
    f.add(fn(WASI, name, Collections.nCopies(args, ValType.I32), true, call));
  }

  /**
   * The result arrays of the statuses the ABI and WASI define (0-76), made once: Chicory reads a host function's
   * result array into the caller's stack and keeps no reference, so one array per status serves every call (two host
   * calls per request for a header filter, each an allocation before).
   */
  private static final long[][] RESULTS = new long[77][];

  static {
    for (int i = 0; i < RESULTS.length; i++) RESULTS[i] = new long[] {i};
  }

  private static long[] result(int status) {
    return status >= 0 && status < RESULTS.length ? RESULTS[status] : new long[] {status};
  }

  /**
   * Binds one host function. A pointer the filter passed outside its memory ({@link FilterVm.BadPointer}) is the
   * filter's fault, answered here for every function at once: the ABI's INVALID_MEMORY_ACCESS, WASI's EFAULT.
   */
  private static HostFunction fn(String module, String name, List<ValType> params, boolean result, Call call) {
    FunctionType type = FunctionType.of(params, result ? List.of(ValType.I32) : List.of());
    int fault = module.equals(ENV) ? Abi.INVALID_MEMORY_ACCESS : Abi.WASI_FAULT;
    WasmFunctionHandle handle = (inst, args) -> {
      int status;
      try {
        status = call.apply(args);
      } catch (FilterVm.BadPointer e) {
        status = fault;
      }
      return result ? result(status) : null;
    };
    return new HostFunction(module, name, type, handle);
  }
}
