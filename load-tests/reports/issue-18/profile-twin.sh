#!/usr/bin/env bash
# Issue 18, third pass: the header-only filter's cost in ONE process, as the load test measures it. The generic
# launcher (bff-core/target/bff.jar) on a minimal folder with twin proxy routes to the demo posts service,
# /api/posts (no filter) and /wasm/posts (load-tests/src/main/resources/wasm/add-header.wasm); wrk loads them in
# alternate windows (ROUNDS x 10 s each, after 20 s of warm-up on both), each window under async-profiler's cpu
# sampling (1 ms) and measured by the process's /proc CPU time. Writes twin-<route><suffix>.collapsed (all rounds),
# twin-<route><suffix>.html (the last round's flame graph) and twin<suffix>.txt (CPU µs per request per window, and
# the ratio) beside this script. IOS=1: the load test's own BFF instead (WasmTwinServe: the iOS BFF on WasmBundle's
# folder, auth and observe on, 64 connections with the bench's token), as its wasm scenario measures it.
# twin-diff.py reads them (µs per request by kind of frame on both routes, the wasm package's own work).
#   ASPROF_LIB=/tmp/ap/linux-x64/libasyncProfiler.so load-tests/reports/issue-18/profile-twin.sh [suffix] [rounds]
#   BFF_JAR=/path/to/an/older/bff.jar ...   # another build (the "before" of a change; with IOS=1 its bff-ios.jar)
set -euo pipefail
lib="${ASPROF_LIB:?set ASPROF_LIB to libasyncProfiler.so (async-profiler 3.x/4.x: tools.profiler:async-profiler)}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
suffix="${1:-}"
rounds="${2:-4}"
event="${EVENT:-cpu,interval=1ms}" # EVENT="alloc,total": bytes allocated instead of cpu samples
base=19500 # demo services: posts at base + 1
port=19590
tmp="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"' EXIT
if [[ "${IOS:-}" == 1 ]]; then
  # the load test's own BFF: the iOS BFF on WasmBundle's folder (auth, observe, twin routes), its services and IdP
  java -Dbffkit.root="$root" -cp "$root/load-tests/target/bff-demo.jar" dev.bffkit.loadtests.bench.WasmTwinServe \
    "$tmp/serve" ${BFF_JAR:+"$BFF_JAR"} > "$tmp/serve.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 600); do [[ -s "$tmp/serve" ]] && break; sleep 0.5; done
  read -r port pid scheme token < "$tmp/serve"
  hdr=(-H "Authorization: $scheme $token")
  conns=64
else
  java -XX:+UseParallelGC -cp "$root/load-tests/target/bff-demo.jar" dev.bffkit.loadtests.Demo --services-only \
    --services-base-port "$base" > "$tmp/demo.log" 2>&1 &
  pids+=($!)
  dir="$tmp/twin"
  mkdir -p "$dir/screens" "$dir/filters"
  cp "$root/load-tests/src/main/resources/wasm/add-header.wasm" "$dir/filters/"
  cat > "$dir/bff.yaml" <<YAML
name: prof
server: { host: 127.0.0.1, port: 0 }
observe: { accessLog: { enabled: false } }
services:
  posts: { endpoints: "http://127.0.0.1:$((base + 1))" }
routes:
  - { prefix: /api/posts, service: posts, stripPrefix: /api }
  - { prefix: /wasm/posts, service: posts, stripPrefix: /wasm }
filters:
  wasm:
    - { name: header, file: filters/add-header.wasm, routes: ["proxy:/wasm/posts"] }
YAML
  printf 'type Query {\n  post(id: ID = "p1"): Post @rest(service: "posts", path: "/posts/{args.id}")\n}\ntype Post { id: ID text: String }\n' > "$dir/schema.graphqls"
  echo 'query Home { post { id text } }' > "$dir/screens/home.graphql"
  sleep 3
  java -XX:+UseParallelGC -Xms256m -Xmx512m -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
    -jar "${BFF_JAR:-$root/bff-core/target/bff.jar}" --config "$dir" --port "$port" > "$tmp/bff.log" 2>&1 &
  pid=$!
  pids+=($pid)
  for _ in $(seq 150); do curl -fs "http://127.0.0.1:$port/api/posts/p1" > /dev/null && break; sleep 0.2; done
  hdr=()
  conns=32
fi
# (BENCH_WASM_HEADER_FILTER, IOS=1: another filter, say one that does nothing, whose answers carry no x-wasm)
if [[ -z "${BENCH_WASM_HEADER_FILTER:-}" ]]; then
  curl -fsi "${hdr[@]}" "http://127.0.0.1:$port/wasm/posts/p1" | grep -i '^x-wasm' || { echo "no x-wasm on /wasm/posts"; exit 1; }
fi
curl -fsi "${hdr[@]}" "http://127.0.0.1:$port/api/posts/p1" | grep -qi '^x-wasm' && { echo "x-wasm on /api/posts"; exit 1; }
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
# read and write system calls, and context switches of all the process's threads (voluntary + involuntary)
sys_counts() {
  awk '/^syscr/ {r = $2} /^syscw/ {w = $2} END {printf "%d %d ", r, w}' "/proc/$pid/io"
  cat /proc/$pid/task/*/status 2>/dev/null | awk '/^voluntary_ctxt/ {v += $2} /^nonvoluntary_ctxt/ {n += $2} END {print v, n}'
}
hz=$(getconf CLK_TCK)
for r in api wasm api wasm; do wrk -t1 -c$conns "${hdr[@]}" -d5s "http://127.0.0.1:$port/$r/posts/p1" > /dev/null; done
out="$here/twin$suffix.txt"
: > "$out"
rm -f "$here"/twin-{api,wasm}"$suffix".collapsed
for round in $(seq "$rounds"); do
  # alternate which route goes first, so neither always follows the other
  if (( round % 2 )); then order="api wasm"; else order="wasm api"; fi
  for r in $order; do
    name="twin-$r$suffix"
    jcmd "$pid" JVMTI.agent_load "$lib" "\"start,event=$event\"" > /dev/null
    t0=$(ticks)
    read -r r0 w0 v0 n0 <<< "$(sys_counts)"
    wrk -t1 -c$conns "${hdr[@]}" -d10s "http://127.0.0.1:$port/$r/posts/p1" > "$tmp/wrk.txt"
    t1=$(ticks)
    read -r r1 w1 v1 n1 <<< "$(sys_counts)"
    jcmd "$pid" JVMTI.agent_load "$lib" "\"dump,collapsed,file=$tmp/round.collapsed\"" > /dev/null
    jcmd "$pid" JVMTI.agent_load "$lib" "\"stop,file=$here/$name.html\"" > /dev/null
    cat "$tmp/round.collapsed" >> "$here/$name.collapsed"
    reqs=$(awk '/requests in/ {print $1}' "$tmp/wrk.txt")
    rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.txt")
    awk -v r="$r" -v n="$round" -v t=$((t1 - t0)) -v hz="$hz" -v q="$reqs" -v rps="$rps" \
      -v sr=$((r1 - r0)) -v sw=$((w1 - w0)) -v cv=$((v1 - v0)) -v cn=$((n1 - n0)) \
      'BEGIN { printf "round %d %-4s %8s req/s  %6.1f µs/req (proc) %d requests; per request: %.2f reads %.2f writes %.3f vol %.3f invol ctx switches\n", n, r, rps, t * 1e6 / hz / q, q, sr / q, sw / q, cv / q, cn / q }' | tee -a "$out"
  done
done
awk '{ cpu[$3] = cpu[$3] " " $6 } END { for (r in cpu) print r ":" cpu[r] }' "$out" | sort | tee -a "$out"
