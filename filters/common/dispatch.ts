// The ABI entry points, in place of the SDK's `export * from "@solo-io/proxy-runtime/proxy"`.
//
// Why: the SDK's dispatcher logs 8-10 debug lines per request (context creation, done, log, delete), building each
// message in the module (number formatting, and a join over every live context id) whether or not the host keeps
// debug lines: in Node's V8 the add-header filter cost 15-27 us per request through it, and the
// time grew with the requests served. This one does the same calls without logging, keeps one root factory (so the
// host need not answer plugin_root_id), and ignores callbacks for unknown contexts instead of aborting. The SDK's
// classes, enums and helpers are used as they are. Each filter's index.ts does `export * from "../common/dispatch"`.
// (Only ABI functions live here: everything this file exports becomes a module export.)
import { BaseContext, RootContext, Context } from "@solo-io/proxy-runtime";
import { createRoot } from "./filter";
export { malloc, free } from "@solo-io/proxy-runtime/malloc";

const contexts = new Map<u32, BaseContext>();

function root(id: u32): RootContext | null {
  if (!contexts.has(id)) return null;
  const c = contexts.get(id);
  return c instanceof RootContext ? c as RootContext : null;
}

function http(id: u32): Context | null {
  if (!contexts.has(id)) return null;
  const c = contexts.get(id);
  return c instanceof Context ? c as Context : null;
}

export function proxy_abi_version_0_2_0(): void {}

export function proxy_on_context_create(context_id: u32, root_context_id: u32): void {
  if (contexts.has(context_id)) return;
  if (root_context_id == 0) {
    const r = createRoot(context_id);
    if (r !== null) contexts.set(context_id, r);
    return;
  }
  const r = root(root_context_id);
  if (r !== null) contexts.set(context_id, r.createContext(context_id));
}

export function proxy_on_vm_start(root_context_id: u32, vm_configuration_size: u32): u32 {
  return 1;
}

export function proxy_validate_configuration(root_context_id: u32, configuration_size: u32): u32 {
  return 1;
}

export function proxy_on_configure(root_context_id: u32, configuration_size: u32): u32 {
  const r = root(root_context_id);
  return r !== null && r.onConfigure(configuration_size) ? 1 : 0;
}

export function proxy_on_request_headers(context_id: u32, headers: u32, end_of_stream: u32): i32 {
  const c = http(context_id);
  return c === null ? 0 : <i32>c.onRequestHeaders(headers, end_of_stream != 0);
}

export function proxy_on_request_body(context_id: u32, size: u32, end_of_stream: u32): i32 {
  const c = http(context_id);
  return c === null ? 0 : <i32>c.onRequestBody(size, end_of_stream != 0);
}

export function proxy_on_request_trailers(context_id: u32, trailers: u32): i32 {
  const c = http(context_id);
  return c === null ? 0 : <i32>c.onRequestTrailers(trailers);
}

export function proxy_on_response_headers(context_id: u32, headers: u32, end_of_stream: u32): i32 {
  const c = http(context_id);
  return c === null ? 0 : <i32>c.onResponseHeaders(headers, end_of_stream != 0);
}

export function proxy_on_response_body(context_id: u32, size: u32, end_of_stream: u32): i32 {
  const c = http(context_id);
  return c === null ? 0 : <i32>c.onResponseBody(size, end_of_stream != 0);
}

export function proxy_on_response_trailers(context_id: u32, trailers: u32): i32 {
  const c = http(context_id);
  return c === null ? 0 : <i32>c.onResponseTrailers(trailers);
}

export function proxy_on_done(context_id: u32): u32 {
  if (!contexts.has(context_id)) return 1;
  return contexts.get(context_id).onDone() ? 1 : 0;
}

export function proxy_on_log(context_id: u32): void {
  const c = http(context_id);
  if (c !== null) c.onLog();
}

export function proxy_on_delete(context_id: u32): void {
  if (!contexts.has(context_id)) return;
  contexts.get(context_id).onDelete();
  contexts.delete(context_id);
}
