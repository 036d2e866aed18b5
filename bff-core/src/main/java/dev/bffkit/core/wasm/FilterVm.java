package dev.bffkit.core.wasm;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One instance of a filter on one event loop (as Envoy runs one VM per worker): a Chicory instance, its root
 * context, and the HTTP contexts of the requests in flight on that loop. Every callback runs within the filter's CPU
 * budget ({@link CallbackWatchdog}) and its memory limit; one that traps or is stopped marks the instance broken, and
 * the loop's pool makes a fresh one for the next request (the spec's "create a new instance of a WasmVM" after a
 * crash). The host functions read and change the request of the callback that runs ({@link #current}); a filter never
 * reaches another request, the network, files or the host's environment. Not thread-safe: one loop owns it.
 */
final class FilterVm {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.wasm");
  private static final int ROOT = 1;
  /** Lines a filter may log per callback, and bytes per line: a chatty filter cannot flood the log. */
  private static final int MAX_LOG_LINES = 16;
  private static final int MAX_LOG_BYTES = 1024;
  private static final byte[] EMPTY = new byte[0];

  final FilterModule module;
  private final Instance instance;
  private final Memory memory;
  private final CallbackWatchdog.Guard guard;
  final FilterMeters meters;
  /** This loop's callback counts and time for the filter (made on the loop that runs this instance). */
  private final FilterMeters.Tally tally;
  private final ExportFunction malloc;
  private final ExportFunction onContextCreate;
  private final ExportFunction onRequestHeaders;
  private final ExportFunction onRequestBody;
  private final ExportFunction onResponseHeaders;
  private final ExportFunction onResponseBody;
  private final ExportFunction onResponseTrailers;
  private final ExportFunction onDone;
  private final ExportFunction onLog;
  private final ExportFunction onDelete;
  private int nextId = ROOT + 1;
  /**
   * The hot callbacks' arguments, reused: Chicory reads them into the compiled function's locals on entry and keeps
   * no reference (a callback's host calls that call back in, such as malloc, pass arrays of their own).
   */
  private final long[] args2 = new long[2];
  private final long[] args3 = new long[3];
  /** The request whose callback runs; null in the root context's callbacks. */
  private FilterCall current;
  private boolean broken;
  private List<String> pendingLogs;
  private SecureRandom random;

  private FilterVm(FilterModule module, CallbackWatchdog.Guard guard, FilterMeters meters) {
    this.module = module;
    this.guard = guard;
    this.meters = meters;
    this.tally = meters.tally();
    this.instance = Instance.builder(module.module)
        .withMachineFactory(module.machine)
        .withMemoryFactory(ByteArrayMemory::new)
        .withMemoryLimits(module.limits)
        .withImportValues(ImportValues.builder().withFunctions(new ArrayList<>(HostFunctions.bind(this))).build())
        .withInitialize(false)
        .withStart(false)
        .build();
    this.memory = instance.memory();
    this.malloc = instance.export(module.exports.contains("malloc") ? "malloc" : "proxy_on_memory_allocate");
    this.onContextCreate = instance.export("proxy_on_context_create");
    this.onRequestHeaders = instance.export("proxy_on_request_headers");
    this.onRequestBody = export("proxy_on_request_body");
    this.onResponseHeaders = instance.export("proxy_on_response_headers");
    this.onResponseBody = export("proxy_on_response_body");
    this.onResponseTrailers = export("proxy_on_response_trailers");
    this.onDone = export("proxy_on_done");
    this.onLog = export("proxy_on_log");
    this.onDelete = export("proxy_on_delete");
  }

  private ExportFunction export(String name) {
    return module.exports.contains(name) ? instance.export(name) : null;
  }

  /** A started instance: initialised, its root context created, the VM started and the plugin configured. */
  static FilterVm create(FilterModule module, CallbackWatchdog.Guard guard, FilterMeters meters) throws FilterFailure {
    FilterVm vm;
    try {
      vm = new FilterVm(module, guard, meters);
    } catch (RuntimeException e) { // a module that parsed but cannot link or instantiate, whatever Chicory throws
      throw new FilterFailure(FilterFailure.Kind.ABI, "instantiate", e.getClass().getSimpleName() + ": " + e.getMessage());
    }
    vm.call("initialize", null, null);
    vm.call("proxy_on_context_create", vm.onContextCreate, null, ROOT, 0);
    if (module.exports.contains("proxy_on_vm_start")
        && vm.call("proxy_on_vm_start", vm.instance.export("proxy_on_vm_start"), null, ROOT, 0) == 0) {
      throw new FilterFailure(FilterFailure.Kind.ABI, "proxy_on_vm_start", "returned false");
    }
    if (module.exports.contains("proxy_on_configure") && vm.call("proxy_on_configure",
        vm.instance.export("proxy_on_configure"), null, ROOT, module.pluginConfig.length) == 0) {
      throw new FilterFailure(FilterFailure.Kind.ABI, "proxy_on_configure", "returned false (the filter refused its config)");
    }
    return vm;
  }

  boolean broken() {
    return broken;
  }

  void close() {
    broken = true;
  }

  // ---- callbacks

  /**
   * The request's headers, for {@code call}: its HTTP context is created first (on_context_create, when the filter
   * first sees the request), in the same timed window. The result of on_request_headers, or a failure of either.
   */
  int requestHeaders(FilterCall call, int headers, boolean endOfStream) throws FilterFailure {
    long start = System.nanoTime();
    int calls = 1;
    try {
      if (call.id == 0) {
        int id = nextId++;
        if (nextId < 0) nextId = ROOT + 1;
        call.id = id;
        args2[0] = id;
        args2[1] = ROOT;
        invoke(FilterCall.CREATE, onContextCreate, call, args2);
        calls = 2;
      }
      args3[0] = call.id;
      args3[1] = headers;
      args3[2] = endOfStream ? 1 : 0;
      return invoke("proxy_on_request_headers", onRequestHeaders, call, args3);
    } finally {
      tally.add(calls, System.nanoTime() - start);
    }
  }

  int requestBody(FilterCall call, int size) throws FilterFailure {
    return onRequestBody == null ? Abi.CONTINUE : call("proxy_on_request_body", onRequestBody, call, call.id, size, 1);
  }

  int responseHeaders(FilterCall call, int headers, boolean endOfStream) throws FilterFailure {
    long start = System.nanoTime();
    try {
      args3[0] = call.id;
      args3[1] = headers;
      args3[2] = endOfStream ? 1 : 0;
      return invoke("proxy_on_response_headers", onResponseHeaders, call, args3);
    } finally {
      tally.add(1, System.nanoTime() - start);
    }
  }

  boolean readsRequestBody() {
    return onRequestBody != null;
  }

  boolean readsResponseBody() {
    return onResponseBody != null;
  }

  boolean readsResponseTrailers() {
    return onResponseTrailers != null;
  }

  int responseBody(FilterCall call, int size, boolean endOfStream) throws FilterFailure {
    return onResponseBody == null ? Abi.CONTINUE
        : call("proxy_on_response_body", onResponseBody, call, call.id, size, endOfStream ? 1 : 0);
  }

  int responseTrailers(FilterCall call, int trailers) throws FilterFailure {
    return onResponseTrailers == null ? Abi.CONTINUE
        : call("proxy_on_response_trailers", onResponseTrailers, call, call.id, trailers);
  }

  /** The request ended (answered, or the client left): on_done, on_log and on_delete, as a proxy ends a stream. */
  void done(FilterCall call) throws FilterFailure {
    if (onDone != null) call("proxy_on_done", onDone, call, call.id);
    if (onLog != null) call("proxy_on_log", onLog, call, call.id);
    if (onDelete != null) call("proxy_on_delete", onDelete, call, call.id);
  }

  /** One export call, timed for the meters (two clock reads); see {@link #invoke}. */
  private int call(String name, ExportFunction f, FilterCall call, long... args) throws FilterFailure {
    long start = System.nanoTime();
    try {
      return invoke(name, f, call, args);
    } finally {
      tally.add(1, System.nanoTime() - start);
    }
  }

  /**
   * One export call within the budget, for request {@code call} (null: the root context); its i32 result (0 when it
   * returns none). A null {@code f} initialises the instance (its data and start function). No clock read and no
   * allocation: the guard is one volatile write and a CAS, the watchdog times the callback (issue 18's profile).
   */
  private int invoke(String name, ExportFunction f, FilterCall call, long[] args) throws FilterFailure {
    if (broken) throw new FilterFailure(FilterFailure.Kind.ABI, name, "the instance failed earlier");
    FilterCall before = current;
    current = call;
    long seq = guard.enter(module.budgetMicros);
    FilterFailure failed = null;
    int result = 0;
    try {
      result = f == null ? initialise() : result(f.apply(args));
    } catch (ChicoryInterruptedException e) {
      failed = overBudget(name);
    } catch (RuntimeException e) {
      // Chicory's traps, and a module the host cannot serve (an export of the wrong type, a bad pointer it returned);
      // whatever else a hostile module provokes is its failure too, never an exception on the event loop
      failed = new FilterFailure(FilterFailure.Kind.TRAP, name, String.valueOf(e.getMessage()));
    } catch (StackOverflowError e) { // deep recursion the compiled code did not turn into a trap itself
      failed = new FilterFailure(FilterFailure.Kind.TRAP, name, "call stack exhausted");
    } finally {
      if (guard.exit(seq) && failed == null) failed = overBudget(name);
      current = before;
      flushLogs();
    }
    if (failed != null) {
      broken = true;
      throw failed;
    }
    return result;
  }

  private int initialise() {
    instance.initialize(false);
    if (module.exports.contains("_initialize")) instance.export("_initialize").apply();
    else if (module.exports.contains("_start")) instance.export("_start").apply();
    return 0;
  }

  private static int result(long[] r) {
    return r == null || r.length == 0 ? 0 : (int) r[0];
  }

  private FilterFailure overBudget(String name) {
    return new FilterFailure(FilterFailure.Kind.BUDGET, name, "ran past its budget of "
        + module.config.callbackBudget().toMillis() + " ms and was stopped");
  }

  // ---- memory

  /**
   * A pointer or length the filter passed that does not lie in its memory: the host functions throw it, and their
   * binding ({@link HostFunctions}) answers the ABI's INVALID_MEMORY_ACCESS (WASI: EFAULT), never the host's fault.
   */
  static final class BadPointer extends RuntimeException {
    BadPointer() {
      super(null, null, false, false);
    }
  }

  private byte[] read(int ptr, int len) {
    if (len == 0) return EMPTY;
    if (ptr < 0 || len < 0 || (long) ptr + len > (long) memory.pages() * FilterModule.PAGE) throw new BadPointer();
    return memory.readBytes(ptr, len);
  }

  private String string(int ptr, int len) {
    return new String(read(ptr, len), StandardCharsets.UTF_8);
  }

  private void writeI32(int ptr, int value) {
    if (ptr < 0 || (long) ptr + 4 > (long) memory.pages() * FilterModule.PAGE) throw new BadPointer();
    memory.writeI32(ptr, value);
  }

  /** Copies {@code data} into memory the filter allocates, and writes its address and length where it asked. */
  private int out(byte[] data, int retPtr, int retLen) {
    int at = 0;
    if (data.length > 0) {
      long[] r = malloc.apply(data.length);
      at = (int) r[0];
      if (at == 0) return Abi.INTERNAL_FAILURE;
      // a hostile malloc may answer any i32: negative (above 2 GiB) or past the end is the filter's bad pointer
      if (at < 0 || (long) at + data.length > (long) memory.pages() * FilterModule.PAGE) throw new BadPointer();
      memory.write(at, data);
    }
    writeI32(retPtr, at);
    writeI32(retLen, data.length);
    return Abi.OK;
  }

  // ---- host functions (HostFunctions binds them)

  int log(int level, int ptr, int len) {
    if (len < 0) return Abi.BAD_ARGUMENT;
    byte[] msg = read(ptr, Math.min(len, MAX_LOG_BYTES));
    if (level >= minLevel()) queueLog(level, new String(msg, StandardCharsets.UTF_8));
    return Abi.OK;
  }

  /** The lowest Proxy-Wasm level logged: the wasm logger's JUL level (INFO unless configured). */
  private static int minLevel() {
    if (LOG.isLoggable(Level.FINEST)) return 0;
    if (LOG.isLoggable(Level.FINE)) return 1;
    if (LOG.isLoggable(Level.INFO)) return 2;
    if (LOG.isLoggable(Level.WARNING)) return 3;
    return 4;
  }

  private void queueLog(int level, String message) {
    if (pendingLogs == null) pendingLogs = new ArrayList<>(2);
    if (pendingLogs.size() >= MAX_LOG_LINES) return;
    String lvl = switch (level) {
      case 0 -> "trace";
      case 1 -> "debug";
      case 2 -> "info";
      case 3 -> "warn";
      default -> "error";
    };
    StringBuilder b = new StringBuilder(96).append("event=wasm_log filter=").append(module.name()).append(" level=")
        .append(lvl);
    if (current != null) b.append(' ').append(current.logIds());
    b.append(" message=\"");
    for (int i = 0; i < message.length(); i++) {
      char c = message.charAt(i);
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(' ');
      else b.append(c);
    }
    pendingLogs.add(b.append('"').toString());
  }

  /** Logged after the callback, outside its budget window. */
  private void flushLogs() {
    if (pendingLogs == null || pendingLogs.isEmpty()) return;
    for (String line : pendingLogs) LOG.info(line);
    pendingLogs.clear();
  }

  int logLevel(int retPtr) {
    writeI32(retPtr, minLevel());
    return Abi.OK;
  }

  int timeNanos(int retPtr) {
    if (retPtr < 0 || (long) retPtr + 8 > (long) memory.pages() * FilterModule.PAGE) throw new BadPointer();
    memory.writeLong(retPtr, System.currentTimeMillis() * 1_000_000L);
    return Abi.OK;
  }

  int effectiveContext(int id) {
    return id == ROOT || (current != null && current.id == id) ? Abi.OK : Abi.BAD_ARGUMENT;
  }

  private byte[] buffer(int type) {
    return switch (type) {
      case Abi.HTTP_REQUEST_BODY -> current == null ? null : current.requestBody();
      case Abi.HTTP_RESPONSE_BODY -> current == null ? null : current.responseBody();
      case Abi.PLUGIN_CONFIGURATION -> module.pluginConfig;
      case Abi.VM_CONFIGURATION -> EMPTY;
      default -> null;
    };
  }

  int getBuffer(int type, int start, int max, int retPtr, int retLen) {
    byte[] b = buffer(type);
    if (b == null) return Abi.NOT_FOUND;
    if (start < 0 || max < 0) return Abi.BAD_ARGUMENT;
    int from = Math.min(start, b.length);
    int to = (int) Math.min(b.length, (long) from + max);
    byte[] slice = from == 0 && to == b.length ? b : Arrays.copyOfRange(b, from, to);
    return out(slice, retPtr, retLen);
  }

  int setBuffer(int type, int start, int size, int ptr, int len) {
    if (current == null || (type != Abi.HTTP_REQUEST_BODY && type != Abi.HTTP_RESPONSE_BODY)) return Abi.NOT_FOUND;
    if (start < 0 || size < 0) return Abi.BAD_ARGUMENT;
    byte[] value = read(ptr, len);
    byte[] old = type == Abi.HTTP_REQUEST_BODY ? current.requestBody() : current.responseBody();
    if (old == null) return Abi.NOT_FOUND;
    int from = Math.min(start, old.length);
    int to = (int) Math.min(old.length, (long) from + size);
    byte[] next = new byte[from + value.length + (old.length - to)];
    System.arraycopy(old, 0, next, 0, from);
    System.arraycopy(value, 0, next, from, value.length);
    System.arraycopy(old, to, next, from + value.length, old.length - to);
    if (type == Abi.HTTP_REQUEST_BODY) current.requestBody(next);
    else current.responseBody(next);
    return Abi.OK;
  }

  int bufferStatus(int type, int retSize, int retFlags) {
    byte[] b = buffer(type);
    if (b == null) return Abi.NOT_FOUND;
    writeI32(retSize, b.length);
    writeI32(retFlags, 0);
    return Abi.OK;
  }

  int configuration(int retPtr, int retLen) {
    return out(module.pluginConfig, retPtr, retLen);
  }

  /** The map of that type for the running request, or null (the ABI's NOT_FOUND). */
  private HeaderView map(int type) {
    return current == null ? null : current.map(type);
  }

  int mapSize(int type, int retSize) {
    HeaderView m = map(type);
    if (m == null) return Abi.NOT_FOUND;
    writeI32(retSize, HeaderPairs.serialize(m).length);
    return Abi.OK;
  }

  int mapPairs(int type, int retPtr, int retLen) {
    HeaderView m = map(type);
    if (m == null) return Abi.NOT_FOUND;
    return out(HeaderPairs.serialize(m), retPtr, retLen);
  }

  int setMapPairs(int type, int ptr, int len) {
    HeaderView m = map(type);
    if (m == null) return Abi.NOT_FOUND;
    MultiMap pairs = HeaderPairs.parse(read(ptr, len));
    if (pairs == null) return Abi.BAD_ARGUMENT;
    return m.replaceAll(pairs) ? Abi.OK : Abi.BAD_ARGUMENT;
  }

  int mapValue(int type, int keyPtr, int keyLen, int retPtr, int retLen) {
    HeaderView m = map(type);
    if (m == null) return Abi.NOT_FOUND;
    String v = m.get(string(keyPtr, keyLen));
    if (v == null) return Abi.NOT_FOUND;
    return out(v.getBytes(StandardCharsets.UTF_8), retPtr, retLen);
  }

  int addMapValue(int type, int keyPtr, int keyLen, int valuePtr, int valueLen, boolean replace) {
    HeaderView m = map(type);
    if (m == null) return Abi.NOT_FOUND;
    return m.put(string(keyPtr, keyLen), string(valuePtr, valueLen), replace) ? Abi.OK : Abi.BAD_ARGUMENT;
  }

  int removeMapValue(int type, int keyPtr, int keyLen) {
    HeaderView m = map(type);
    if (m == null) return Abi.NOT_FOUND;
    m.remove(string(keyPtr, keyLen));
    return Abi.OK;
  }

  int closeStream() {
    if (current == null) return Abi.NOT_FOUND;
    current.close();
    return Abi.OK;
  }

  int localResponse(int status, int detailsPtr, int detailsLen, int bodyPtr, int bodyLen, int headersPtr, int headersLen,
      int grpcStatus) {
    if (current == null) return Abi.NOT_FOUND;
    if (status < 200 || status > 599) return Abi.BAD_ARGUMENT;
    MultiMap headers = HeaderPairs.parse(read(headersPtr, headersLen));
    if (headers == null) return Abi.BAD_ARGUMENT;
    for (var h : headers) { // refused here, as add_header_map_value refuses them, rather than dropped silently later
      if (!HeaderView.validName(h.getKey()) || !HeaderView.validValue(h.getValue())) return Abi.BAD_ARGUMENT;
    }
    current.localResponse(new FilterCall.LocalResponse(status, string(detailsPtr, detailsLen),
        Buffer.buffer(read(bodyPtr, bodyLen)), headers, grpcStatus));
    meters.localResponse();
    return Abi.OK;
  }

  int getProperty(int pathPtr, int pathLen, int retPtr, int retLen) {
    byte[] v = FilterProperties.get(string(pathPtr, pathLen), current, module);
    return v == null ? Abi.NOT_FOUND : out(v, retPtr, retLen);
  }

  int setProperty(int pathPtr, int pathLen, int valuePtr, int valueLen) {
    if (current == null) return Abi.NOT_FOUND;
    return current.setProperty(FilterProperties.normalise(string(pathPtr, pathLen)), read(valuePtr, valueLen))
        ? Abi.OK : Abi.BAD_ARGUMENT;
  }

  int getShared(int keyPtr, int keyLen, int retPtr, int retLen, int retCas) {
    SharedData.Entry e = module.shared.get(string(keyPtr, keyLen));
    if (e == null) return Abi.NOT_FOUND;
    int status = out(e.value(), retPtr, retLen);
    if (status == Abi.OK) writeI32(retCas, e.cas());
    return status;
  }

  int setShared(int keyPtr, int keyLen, int valuePtr, int valueLen, int cas) {
    return module.shared.set(string(keyPtr, keyLen), read(valuePtr, valueLen), cas);
  }

  int defineMetric(int type, int namePtr, int nameLen, int retId) {
    if (nameLen > 200) return Abi.BAD_ARGUMENT;
    int id = meters.define(type, string(namePtr, nameLen));
    if (id == 0) return Abi.BAD_ARGUMENT;
    writeI32(retId, id);
    return Abi.OK;
  }

  int metric(int id, long value, boolean record) {
    FilterMeters.Defined d = meters.metric(id);
    if (d == null) return Abi.NOT_FOUND;
    switch (d.type) {
      case Abi.COUNTER -> {
        if (record || value < 0) return Abi.BAD_ARGUMENT;
        d.value.addAndGet(value);
        d.counter.increment(value);
      }
      case Abi.GAUGE -> {
        if (record) d.value.set(value);
        else d.value.addAndGet(value);
      }
      default -> {
        if (!record) return Abi.BAD_ARGUMENT;
        d.value.set(value);
        d.summary.record(value);
      }
    }
    return Abi.OK;
  }

  int getMetric(int id, int retPtr) {
    FilterMeters.Defined d = meters.metric(id);
    if (d == null) return Abi.NOT_FOUND;
    if (retPtr < 0 || (long) retPtr + 8 > (long) memory.pages() * FilterModule.PAGE) throw new BadPointer();
    memory.writeLong(retPtr, d.value.get());
    return Abi.OK;
  }

  /** WASI fd_write: stdout and stderr become the filter's log lines; nothing reaches the process's own streams. */
  int fdWrite(int fd, int iovs, int iovsLen, int retWritten) {
    if (fd != 1 && fd != 2) return Abi.WASI_BADF;
    if (iovsLen < 0 || iovsLen > 1024) return Abi.WASI_INVAL;
    StringBuilder text = new StringBuilder();
    long total = 0;
    for (int i = 0; i < iovsLen; i++) {
      byte[] iov = read(iovs + i * 8, 8);
      int ptr = (iov[0] & 0xff) | (iov[1] & 0xff) << 8 | (iov[2] & 0xff) << 16 | (iov[3] & 0xff) << 24;
      int len = (iov[4] & 0xff) | (iov[5] & 0xff) << 8 | (iov[6] & 0xff) << 16 | (iov[7] & 0xff) << 24;
      if (len < 0) return Abi.WASI_INVAL;
      if (text.length() < MAX_LOG_BYTES) text.append(string(ptr, Math.min(len, MAX_LOG_BYTES)));
      total += len;
    }
    String line = text.toString().strip();
    if (!line.isEmpty()) queueLog(fd == 2 ? 3 : 2, line);
    writeI32(retWritten, (int) Math.min(Integer.MAX_VALUE, total));
    return Abi.WASI_SUCCESS;
  }

  int clockTime(int clockId, int retPtr) {
    if (retPtr < 0 || (long) retPtr + 8 > (long) memory.pages() * FilterModule.PAGE) throw new BadPointer();
    memory.writeLong(retPtr, clockId == 0 ? System.currentTimeMillis() * 1_000_000L : System.nanoTime());
    return Abi.WASI_SUCCESS;
  }

  int random(int ptr, int len) {
    if (len < 0 || len > 65_536) return Abi.WASI_INVAL;
    read(ptr, len); // bounds
    if (random == null) random = new SecureRandom();
    byte[] b = new byte[len];
    random.nextBytes(b);
    memory.write(ptr, b);
    return Abi.WASI_SUCCESS;
  }

  int zeroes(int ptrA, int ptrB) {
    writeI32(ptrA, 0);
    writeI32(ptrB, 0);
    return Abi.WASI_SUCCESS;
  }
}
