#!/usr/bin/env bash
# Rate limits on (Redis, nothing refused) vs off, same build: two iOS BFF processes against the demo services (whose
# launcher also starts redis-server on 6379), warmed, then alternating wrk rounds; CPU per request from /proc.
# Usage: ab.sh PATH ROUNDS SECONDS CONNS
set -u
cd /work/main
P=${1:-/api/posts/p1}; ROUNDS=${2:-6}; SECS=${3:-10}; CONNS=${4:-64}
BFF_ACCESS_LOG=false java -XX:+UseParallelGC -Xms128m -Xmx512m -jar load-tests/target/bff-demo.jar > /tmp/rl/services.log 2>&1 &
SVC=$!
sleep 12
start_bff() { # name port env...
  local name=$1 port=$2; shift 2
  env "$@" BFF_ACCESS_LOG=false java -XX:+UseParallelGC -Xms256m -Xmx512m ${AGENT:-} -jar bff-ios/target/bff-ios.jar --port $port > /tmp/rl/$name.log 2>&1 &
  echo $!
}
ON=$(AGENT="${AGENT_ON:-}" start_bff on 18081 BFF_RATE_LIMITS=true BFF_REDIS_URL=redis://127.0.0.1:6379 BFF_USER_RATE=10000000)
OFF=$(AGENT="${AGENT_OFF:-}" start_bff off 18082 BFF_RATE_LIMITS=false)
sleep 8
TOKEN=$(curl -s 'localhost:9000/token?sub=u1&scope=read' | python3 -c 'import json,sys;print(json.load(sys.stdin)["access_token"])')
cat > /tmp/rl/h.lua <<LUA
wrk.headers["authorization"] = "Bearer $TOKEN"
LUA
for port in 18081 18082; do curl -s -o /dev/null -w "$port %{http_code}\n" -H "authorization: Bearer $TOKEN" localhost:$port$P; done
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
# warm both: 3 x 10 s each, alternating
for i in 1 2 3; do for port in 18081 18082; do wrk -t2 -c$CONNS -d10s -s /tmp/rl/h.lua http://127.0.0.1:$port$P > /dev/null; done; done
echo "round on_rps off_rps on_cpu_us off_cpu_us"
for r in $(seq 1 $ROUNDS); do
  order="18081 18082"; [ $((r % 2)) = 0 ] && order="18082 18081"
  for port in $order; do
    pid=$ON; [ $port = 18082 ] && pid=$OFF
    c0=$(cpu $pid)
    out=$(wrk -t2 -c$CONNS -d${SECS}s -s /tmp/rl/h.lua http://127.0.0.1:$port$P)
    c1=$(cpu $pid)
    reqs=$(echo "$out" | awk '/requests in/{print $1}')
    rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
    us=$(python3 -c "print(round(($c1-$c0)*10000/$reqs,1))")  # clock ticks (10 ms) -> us per request
    eval "rps_$port=$rps; us_$port=$us"
  done
  echo "$r $rps_18081 $rps_18082 $us_18081 $us_18082"
done
kill $ON $OFF $SVC; wait 2>/dev/null
