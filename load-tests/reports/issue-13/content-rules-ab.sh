#!/bin/bash
# A/B: the iOS /api/posts proxy route with 5 content rules that never hold (all evaluated, default destination) vs none.
# Needs the demo running (java -jar load-tests/target/bff-demo.jar) and wrk; prints one line per round and BFF.
set -e
cd "$(dirname "$0")/../../.."
rm -rf /tmp/ab/A /tmp/ab/B
cp -r bff-ios/src/main/resources/bff/ios /tmp/ab/A
cp -r bff-ios/src/main/resources/bff/ios /tmp/ab/B
python3 - <<'PY'
import re
for d,rules in (('A','''    rules:
      - { name: r1, match: [ { header: x-api-version, value: "2" } ], subset: { version: v2 } }
      - { name: r2, match: [ { cookie: beta, value: "1" } ], subset: { version: v2 } }
      - { name: r3, match: [ { claim: tier, value: [gold, platinum] } ], subset: { version: v2 } }
      - { name: r4, match: [ { query: preview } ], subset: { version: v2 } }
      - { name: r5, match: [ { path: /api/posts/bulk } ], subset: { version: v2 } }
'''),('B','')):
    p='/tmp/ab/%s/bff.yaml'%d
    s=open(p).read()
    s=re.sub(r'    rules:.*?\n(?=\S|#)', '', s, flags=re.S)
    s=s.replace("    stripPrefix: /api\n","    stripPrefix: /api\n"+rules,1)
    open(p,'w').write(s)
PY
grep -n "rules" -A6 /tmp/ab/A/bff.yaml | head -8; grep -c "rules:" /tmp/ab/B/bff.yaml || true
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
