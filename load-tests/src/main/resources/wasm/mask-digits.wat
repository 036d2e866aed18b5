;; The load test's body Proxy-Wasm filter (ABI 0.2.1), a stand-in for PII redaction: buffers the answer
;; (StopIterationAndBuffer until end_of_stream), then replaces every ASCII digit with '#' in one pass and hands the
;; body back with proxy_set_buffer_bytes. It drops content-length in on_response_headers, as a filter that may change
;; a body's size must (here the size stays, but a real redactor's would not).
;; Rebuild: wat2wasm mask-digits.wat -o mask-digits.wasm
(module
  (import "env" "proxy_get_buffer_bytes" (func $get (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_set_buffer_bytes" (func $set (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_remove_header_map_value" (func $remove (param i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  ;; the heap starts above the data; it is reset at each body, so the buffer copies never pile up
  (global $base i32 (i32.const 8192))
  (global $heap (mut i32) (i32.const 8192))
  (data (i32.const 16) "content-length")
  (func (export "proxy_abi_version_0_2_1"))
  ;; a bump allocator that grows memory when the host copies in a body larger than what is left; 0 when it cannot
  (func (export "malloc") (param $n i32) (result i32)
    (local $p i32) (local $end i32) (local $have i32)
    (local.set $p (global.get $heap))
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535))
                                            (i32.const 16)))
                    (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $heap (local.get $end))
    (local.get $p))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const 0))
  ;; map 2: response headers
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
    (drop (call $remove (i32.const 2) (i32.const 16) (i32.const 14)))
    (i32.const 0))
  ;; buffer 1: the response body; returns 1 (StopIterationAndBuffer) until the whole body is here
  (func (export "proxy_on_response_body") (param $ctx i32) (param $size i32) (param $eos i32) (result i32)
    (local $ptr i32) (local $len i32) (local $i i32) (local $c i32)
    (if (i32.eqz (local.get $eos)) (then (return (i32.const 1))))
    (global.set $heap (global.get $base))
    ;; the host writes the copy's address at 0 and its length at 4
    (if (i32.ne (call $get (i32.const 1) (i32.const 0) (local.get $size) (i32.const 0) (i32.const 4)) (i32.const 0))
      (then (return (i32.const 0))))
    (local.set $ptr (i32.load (i32.const 0)))
    (local.set $len (i32.load (i32.const 4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $c (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (if (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))
          (then (i32.store8 (i32.add (local.get $ptr) (local.get $i)) (i32.const 35))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (drop (call $set (i32.const 1) (i32.const 0) (local.get $size) (local.get $ptr) (local.get $len)))
    (i32.const 0)))
