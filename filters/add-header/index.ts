// The smallest header-only filter, for the performance measurement: x-wasm: 1 on the request and the response.
export * from "../common/dispatch";
import { registerRoot, HttpFilter } from "../common/filter";
import { RootContext, Context, FilterHeadersStatusValues } from "@solo-io/proxy-runtime";
import { addHeaderBytes, REQUEST_HEADERS, RESPONSE_HEADERS } from "../common/abi";

// Encoded once: this filter is the per-request overhead baseline, so it does no per-request string work.
const NAME = String.UTF8.encode("x-wasm");
const VALUE = String.UTF8.encode("1");

class AddHeaderRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new AddHeader(context_id, this);
  }

  // No configuration; overridden because the SDK's own onConfigure misreads the buffer (see common/abi.ts).
  onConfigure(configuration_size: u32): bool {
    return true;
  }
}

class AddHeader extends HttpFilter {
  onRequestHeaders(headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    addHeaderBytes(REQUEST_HEADERS, NAME, VALUE);
    return FilterHeadersStatusValues.Continue;
  }

  onResponseHeaders(headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    addHeaderBytes(RESPONSE_HEADERS, NAME, VALUE);
    return FilterHeadersStatusValues.Continue;
  }
}

registerRoot((context_id: u32): RootContext => new AddHeaderRoot(context_id));
