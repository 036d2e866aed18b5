#!/bin/bash
# A/B of two iOS BFF builds or JVM flag sets on one path, side by side, wrk 64 connections, alternating rounds.
#   A_JAR=... A_FLAGS="..." B_JAR=... B_FLAGS="..." ab.sh PATH [ROUNDS]
# Needs the demo running (java -jar load-tests/target/bff-demo.jar: services and the dev IdP) and wrk.
set -e
path=${1:-/api/posts/p1}; rounds=${2:-8}
export BFF_ACCESS_LOG=false BFF_RATE_LIMITS=false BFF_CANARY_SHARE=0% BFF_MIRROR_SHARE=0%
base="-XX:+UseParallelGC -Xms256m -Xmx512m"
java $base $A_FLAGS -jar "$A_JAR" --port 18081 > /tmp/ab-A.log 2>&1 & A=$!
java $base $B_FLAGS -jar "$B_JAR" --port 18082 > /tmp/ab-B.log 2>&1 & B=$!
trap 'kill $A $B 2>/dev/null' EXIT
sleep 12
TOKEN=$(curl -s 'localhost:9000/token?sub=u1&scope=read' | jq -r .access_token)
for p in 18081 18082; do wrk -t1 -c64 -d15s -H "authorization: Bearer $TOKEN" http://127.0.0.1:$p$path > /dev/null; done
for round in $(seq $rounds); do
  if [ $((round % 2)) = 1 ]; then order="18081 18082"; else order="18082 18081"; fi
  for p in $order; do
    r=$(wrk -t1 -c64 -d10s --latency -H "authorization: Bearer $TOKEN" http://127.0.0.1:$p$path)
    echo "round=$round side=$([ $p = 18081 ] && echo A || echo B) rps=$(echo "$r" | awk '/Requests\/sec/{print $2}') p50=$(echo "$r" | awk '$1=="50%"{print $2}') p99=$(echo "$r" | awk '$1=="99%"{print $2}') non2xx=$(echo "$r" | awk '/Non-2xx/{print $NF}')"
  done
done
