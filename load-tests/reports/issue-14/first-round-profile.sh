#!/bin/bash
# Needs the demo running (java -jar load-tests/target/bff-demo.jar), wrk, and ASYNC_PROFILER_LIB (see profile-before.md); output in /tmp/ap/.
# fresh iOS BFF (env passed as args), profile its first 4 s round after the token works
name=$1; shift
cd "$(dirname "$0")/../../.."
env BFF_ACCESS_LOG=false BFF_RATE_LIMITS=false BFF_CANARY_SHARE=0% BFF_MIRROR_SHARE=0% "$@" java -XX:+UseParallelGC -Xms256m -Xmx512m \
  -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints -jar bff-ios/target/bff-ios.jar --port 18081 > /tmp/ap/$name.log 2>&1 &
pid=$!
TOKEN=$(curl -s 'localhost:9000/token?sub=u1&scope=read' | jq -r .access_token)
until [ "$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $TOKEN" http://127.0.0.1:18081/api/posts/p1)" = 200 ]; do sleep 0.02; done
jcmd $pid JVMTI.agent_load ${ASYNC_PROFILER_LIB:-/tmp/ap/linux-x64/libasyncProfiler.so} "\"start,event=cpu,interval=1ms\"" > /dev/null
wrk -t1 -c64 -d4s -H "authorization: Bearer $TOKEN" http://127.0.0.1:18081/api/posts/p1 | grep Requests/sec
jcmd $pid JVMTI.agent_load ${ASYNC_PROFILER_LIB:-/tmp/ap/linux-x64/libasyncProfiler.so} "\"dump,collapsed,file=/tmp/ap/$name.collapsed\"" > /dev/null
jcmd $pid JVMTI.agent_load ${ASYNC_PROFILER_LIB:-/tmp/ap/linux-x64/libasyncProfiler.so} "\"stop,file=/tmp/ap/$name.html\"" > /dev/null
wrk -t1 -c64 -d4s -H "authorization: Bearer $TOKEN" http://127.0.0.1:18081/api/posts/p1 | grep Requests/sec
grep -o "event=warm_up.*" /tmp/ap/$name.log
kill $pid
