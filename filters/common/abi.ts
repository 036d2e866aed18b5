// Thin, non-trapping wrappers over the Proxy-Wasm imports, shared by the example filters.
//
// Why not the SDK's own helpers everywhere: in @solo-io/proxy-runtime 0.1.8 several of them end in CHECK_RESULT,
// which aborts the whole instance (proc_exit) on any result but Ok — get_property on a property the host does not
// know, remove/replace of a header. A filter must survive that, so these return the result instead. The SDK also
// has no proxy_set_buffer_bytes (its proxy_set_buffer_status is bound to the wrong import), and its onConfigure
// passes the size where a pointer belongs; readConfiguration below replaces it.
import * as imports from "@solo-io/proxy-runtime/imports";
import { free } from "@solo-io/proxy-runtime/malloc";
import { send_local_response, HeaderPair, GrpcStatusValues } from "@solo-io/proxy-runtime";

// @ts-ignore: decorator
@external("env", "proxy_set_buffer_bytes")
declare function proxy_set_buffer_bytes(typ: i32, start: u32, length: u32, data: usize, size: usize): u32;

export const OK: u32 = 0;
export const REQUEST_HEADERS: i32 = 0;
export const RESPONSE_HEADERS: i32 = 2;
export const RESPONSE_BODY: i32 = 1;
const PLUGIN_CONFIGURATION: i32 = 7;

// Two out-parameters the host writes: the address of the buffer it allocated with our malloc, and its size.
const outPtr = new ArrayBuffer(8);

function outAddress(): usize { return changetype<usize>(outPtr); }

/** Takes the host-allocated buffer the last call returned: copies it into a string and frees it. */
function takeString(): string {
  const p = load<usize>(outAddress());
  const n = load<usize>(outAddress() + 4);
  if (p == 0) return "";
  const s = String.UTF8.decodeUnsafe(p, n);
  free(p);
  return s;
}

/** Takes the host-allocated buffer as bytes (no copy: the host allocated it as one of our ArrayBuffers). */
function takeBytes(): ArrayBuffer {
  const p = load<usize>(outAddress());
  const n = load<usize>(outAddress() + 4);
  if (p == 0 || n == 0) {
    if (p != 0) free(p);
    return new ArrayBuffer(0);
  }
  const copy = new ArrayBuffer(<i32>n);
  memory.copy(changetype<usize>(copy), p, n);
  free(p);
  return copy;
}

function resetOut(): void {
  store<usize>(outAddress(), 0);
  store<usize>(outAddress() + 4, 0);
}

/** A property's value as text, or null when the host does not have it. */
export function getProperty(path: string): string | null {
  const key = String.UTF8.encode(path);
  resetOut();
  const r = imports.proxy_get_property(changetype<usize>(key), key.byteLength, outAddress(), outAddress() + 4);
  if (r != OK) return null;
  return takeString();
}

/** The first value of a header, or null when it is absent. */
export function getHeader(map: i32, name: string): string | null {
  const key = String.UTF8.encode(name);
  resetOut();
  const r = imports.proxy_get_header_map_value(map, changetype<usize>(key), key.byteLength, outAddress(), outAddress() + 4);
  if (r != OK) return null;
  return takeString();
}

export function addHeader(map: i32, name: string, value: string): u32 {
  const k = String.UTF8.encode(name);
  const v = String.UTF8.encode(value);
  return imports.proxy_add_header_map_value(map, changetype<usize>(k), k.byteLength, changetype<usize>(v), v.byteLength);
}

/** addHeader with name and value already UTF-8: for filters that add the same header on every request. */
export function addHeaderBytes(map: i32, name: ArrayBuffer, value: ArrayBuffer): u32 {
  return imports.proxy_add_header_map_value(map, changetype<usize>(name), name.byteLength, changetype<usize>(value),
    value.byteLength);
}

/** Sets a header to one value, replacing every value it had (Envoy adds it when absent). */
export function replaceHeader(map: i32, name: string, value: string): u32 {
  const k = String.UTF8.encode(name);
  const v = String.UTF8.encode(value);
  return imports.proxy_replace_header_map_value(map, changetype<usize>(k), k.byteLength, changetype<usize>(v), v.byteLength);
}

export function removeHeader(map: i32, name: string): u32 {
  const k = String.UTF8.encode(name);
  return imports.proxy_remove_header_map_value(map, changetype<usize>(k), k.byteLength);
}

/** A buffer's bytes [start, start+length), or an empty buffer when the host has none. */
export function getBufferBytes(typ: i32, start: u32, length: u32): ArrayBuffer {
  resetOut();
  const r = imports.proxy_get_buffer_bytes(typ, start, length, outAddress(), outAddress() + 4);
  if (r != OK) return new ArrayBuffer(0);
  return takeBytes();
}

/** Replaces [start, start+length) of a buffer with data (start 0, length = whole size: the whole body). */
export function setBufferBytes(typ: i32, start: u32, length: u32, data: usize, size: usize): u32 {
  return proxy_set_buffer_bytes(typ, start, length, data, size);
}

/** The plugin configuration as text ("" when there is none). */
export function readConfiguration(size: u32): string {
  if (size == 0) return "";
  resetOut();
  const r = imports.proxy_get_buffer_bytes(PLUGIN_CONFIGURATION, 0, size, outAddress(), outAddress() + 4);
  if (r != OK) return "";
  return takeString();
}

/** Answers the client at once; the body is JSON, so the content type says so. */
export function sendJsonResponse(status: u32, details: string, json: string): u32 {
  const headers = new Array<HeaderPair>();
  headers.push(new HeaderPair(String.UTF8.encode("content-type"), String.UTF8.encode("application/json")));
  // grpc_status -1: not a gRPC answer (Envoy's convention).
  return send_local_response(status, details, String.UTF8.encode(json), headers, GrpcStatusValues.InvalidCode);
}

/** Counter metric id, or 0 when the host refused to define it (increments then fail quietly). */
export function defineCounter(name: string): u32 {
  const n = String.UTF8.encode(name);
  resetOut();
  const r = imports.proxy_define_metric(0, changetype<usize>(n), n.byteLength, outAddress());
  return r == OK ? load<u32>(outAddress()) : 0;
}

export function incrementCounter(id: u32, by: i64): void {
  if (id != 0) imports.proxy_increment_metric(id, by);
}

/** Escapes text for a JSON string literal (quotes not included). */
export function jsonEscape(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else if (c < 0x20) {
      const hex = "0123456789abcdef";
      out += "\\u00" + hex.charAt(c >> 4) + hex.charAt(c & 15);
    } else out += String.fromCharCode(c);
  }
  return out;
}
