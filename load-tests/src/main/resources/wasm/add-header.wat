;; The load test's header-only Proxy-Wasm filter (ABI 0.2.1): adds `x-wasm: 1` to the request and to the answer,
;; as WasmFilterTest.ADD_HEADERS does. Exports only what it needs, as an SDK-built filter with two callbacks would
;; (the host skips the callbacks a module does not export). Rebuild: wat2wasm add-header.wat -o add-header.wasm
(module
  (import "env" "proxy_add_header_map_value" (func $add (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 8192))
  (data (i32.const 16) "x-wasm")
  (data (i32.const 32) "1")
  (func (export "proxy_abi_version_0_2_1"))
  ;; a bump allocator: this filter never asks the host for data, so it is never called per request
  (func (export "malloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $n)))
    (local.get $p))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
  ;; map 0: request headers; 2: response headers
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (drop (call $add (i32.const 0) (i32.const 16) (i32.const 6) (i32.const 32) (i32.const 1)))
    (i32.const 0))
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
    (drop (call $add (i32.const 2) (i32.const 16) (i32.const 6) (i32.const 32) (i32.const 1)))
    (i32.const 0)))
