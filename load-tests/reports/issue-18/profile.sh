#!/usr/bin/env bash
# Issue 18: where the header-only Proxy-Wasm filter's time goes. The generic launcher (bff-core/target/bff.jar) on
# a minimal folder (the /api/posts proxy route, no auth) in front of the demo posts service, once without filters and
# once with load-tests/src/main/resources/wasm/add-header.wasm on the route; each loaded flat out with wrk
# (15 s warm-up, then 20 s under async-profiler's cpu sampling, 1 ms). Writes <name>.collapsed, <name>.html
# (flame graph) and <name>.wrk beside this script.
#   ASPROF_LIB=/path/to/libasyncProfiler.so load-tests/reports/issue-18/profile.sh [name-suffix]
set -euo pipefail
lib="${ASPROF_LIB:?set ASPROF_LIB to libasyncProfiler.so (async-profiler 3.x)}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
suffix="${1:-}"
base=19400 # demo services: posts at base + 1
tmp="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"' EXIT
java -XX:+UseParallelGC -cp "$root/load-tests/target/bff-demo.jar" dev.bffkit.loadtests.Demo --services-only \
  --services-base-port "$base" > "$tmp/demo.log" 2>&1 &
pids+=($!)
for mode in off on; do
  dir="$tmp/$mode"
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
YAML
  if [[ $mode == on ]]; then
    printf 'filters:\n  wasm:\n    - { name: header, file: filters/add-header.wasm, routes: ["proxy:/api/posts"] }\n' >> "$dir/bff.yaml"
  fi
  printf 'type Query {\n  post(id: ID = "p1"): Post @rest(service: "posts", path: "/posts/{args.id}")\n}\ntype Post { id: ID text: String }\n' > "$dir/schema.graphqls"
  echo 'query Home { post { id text } }' > "$dir/screens/home.graphql"
done
sleep 3
port=19480
for mode in off on; do
  name="header-filter-$mode$suffix"
  java -XX:+UseParallelGC -Xms256m -Xmx512m -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
    -jar "$root/bff-core/target/bff.jar" --config "$tmp/$mode" --port "$port" > "$tmp/$mode.log" 2>&1 &
  pid=$!
  pids+=($pid)
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/api/posts/p1" > /dev/null && break; sleep 0.2; done
  curl -fsi "http://127.0.0.1:$port/api/posts/p1" | grep -i '^x-wasm' || echo "($mode: no x-wasm header)"
  wrk -t1 -c32 -d15s "http://127.0.0.1:$port/api/posts/p1" > /dev/null
  jcmd "$pid" JVMTI.agent_load "$lib" "\"start,event=cpu,interval=1ms\"" > /dev/null
  wrk -t1 -c32 -d20s --latency "http://127.0.0.1:$port/api/posts/p1" > "$here/$name.wrk"
  jcmd "$pid" JVMTI.agent_load "$lib" "\"dump,collapsed,file=$here/$name.collapsed\"" > /dev/null
  jcmd "$pid" JVMTI.agent_load "$lib" "\"stop,file=$here/$name.html\"" > /dev/null
  grep -E "Requests/sec|  50%|  99%" "$here/$name.wrk"
  kill "$pid"
  port=$((port + 1))
done
