package dev.bffkit.core.wasm;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * One filter's HTTP context for one request: its id in the filter's instance, and what its callbacks may read and
 * change, through the request's {@link FilterRun}. A filter that failed open is {@code skipped} from then on.
 */
final class FilterCall {
  static final String CREATE = "proxy_on_context_create";

  /** An answer a filter gave itself ({@code proxy_send_local_response}). */
  record LocalResponse(int status, String details, Buffer body, MultiMap headers, int grpcStatus) {}

  final FilterRun run;
  final FilterVm vm;
  int id;
  boolean skipped;
  private LocalResponse local;
  private boolean closed;

  FilterCall(FilterRun run, FilterVm vm) {
    this.run = run;
    this.vm = vm;
  }

  String logIds() {
    return run.exchange().logIds();
  }

  HeaderView map(int type) {
    return run.map(type);
  }

  byte[] requestBody() {
    return run.requestBody();
  }

  void requestBody(byte[] b) {
    run.requestBody(b);
  }

  byte[] responseBody() {
    return run.responseBody();
  }

  void responseBody(byte[] b) {
    run.responseBody(b);
  }

  boolean setProperty(String path, byte[] value) {
    return run.setProperty(path, value);
  }

  void localResponse(LocalResponse r) {
    local = r;
  }

  /** The answer this filter gave, once; null when it gave none. */
  LocalResponse takeLocalResponse() {
    LocalResponse r = local;
    local = null;
    return r;
  }

  void close() {
    closed = true;
  }

  boolean closed() {
    return closed;
  }
}
