;; A Proxy-Wasm filter (ABI 0.2.1) that does nothing: the exports a filter must have, each returning at once. What the
;; host costs with no work of the filter's own (issue 18: profile-twin.sh with IOS=1 and
;; BENCH_WASM_HEADER_FILTER=load-tests/src/main/resources/wasm/noop.wasm). Rebuild: wat2wasm noop.wat -o noop.wasm
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 8192))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "malloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $n)))
    (local.get $p))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const 0))
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (i32.const 0)))
