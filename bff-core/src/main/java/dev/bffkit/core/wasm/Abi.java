package dev.bffkit.core.wasm;

/** Numbers of the Proxy-Wasm ABI 0.2.1 (proxy-wasm/spec, abi-versions/v0.2.1, "Types"). */
final class Abi {
  private Abi() {}

  // proxy_status_t
  static final int OK = 0;
  static final int NOT_FOUND = 1;
  static final int BAD_ARGUMENT = 2;
  static final int SERIALIZATION_FAILURE = 3;
  static final int INVALID_MEMORY_ACCESS = 6;
  static final int EMPTY = 7;
  static final int CAS_MISMATCH = 8;
  static final int INTERNAL_FAILURE = 10;
  static final int UNIMPLEMENTED = 12;

  // proxy_action_t: CONTINUE, or PAUSE (0.2.0's StopIteration / StopIterationAndBuffer: every non-zero value)
  static final int CONTINUE = 0;

  // proxy_buffer_type_t
  static final int HTTP_REQUEST_BODY = 0;
  static final int HTTP_RESPONSE_BODY = 1;
  static final int VM_CONFIGURATION = 6;
  static final int PLUGIN_CONFIGURATION = 7;

  // proxy_map_type_t
  static final int HTTP_REQUEST_HEADERS = 0;
  static final int HTTP_REQUEST_TRAILERS = 1;
  static final int HTTP_RESPONSE_HEADERS = 2;
  static final int HTTP_RESPONSE_TRAILERS = 3;

  // proxy_metric_type_t
  static final int COUNTER = 0;
  static final int GAUGE = 1;
  static final int HISTOGRAM = 2;

  // wasi_errno_t
  static final int WASI_SUCCESS = 0;
  static final int WASI_BADF = 8;
  static final int WASI_INVAL = 28;
  static final int WASI_FAULT = 21;

  /** The ABI versions a module may declare (an exported function named so); 0.2.0 modules run unchanged. */
  static final String[] VERSIONS = {"proxy_abi_version_0_2_1", "proxy_abi_version_0_2_0"};
}
