#!/bin/bash
cd /work/main
export BFF_RATE_LIMITS=false BFF_CANARY_SHARE=0% BFF_MIRROR_SHARE=0%
java -jar bff-ios/target/bff-ios.jar --config /tmp/ab/A --port 18081 > /tmp/ab/A.log 2>&1 &
A=$!
java -jar bff-ios/target/bff-ios.jar --config /tmp/ab/B --port 18082 > /tmp/ab/B.log 2>&1 &
B=$!
sleep 12
TOKEN=$(curl -s 'localhost:9000/token?sub=u1&scope=read' | jq -r .access_token)
for p in 18081 18082; do wrk -t1 -c32 -d10s -H "authorization: Bearer $TOKEN" http://127.0.0.1:$p/api/posts/p1 > /dev/null; done
for round in 1 2 3 4 5 6 7 8; do
  if [ $((round % 2)) = 1 ]; then order="18081 18082"; else order="18082 18081"; fi
  for p in $order; do
    r=$(wrk -t1 -c32 -d10s --latency -H "authorization: Bearer $TOKEN" http://127.0.0.1:$p/api/posts/p1)
    echo "round=$round port=$p rps=$(echo "$r" | awk '/Requests\/sec/{print $2}') p50=$(echo "$r" | awk '$1=="50%"{print $2}') p99=$(echo "$r" | awk '$1=="99%"{print $2}')"
  done
done
kill $A $B
