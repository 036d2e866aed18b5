#!/bin/bash
# Profiles the iOS BFF under wrk load on one path; args: NAME PATH [extra env...]
name=$1; path=$2; shift 2
cd "$(dirname "$0")/../../.."
env BFF_ACCESS_LOG=false BFF_RATE_LIMITS=false BFF_CANARY_SHARE=0% BFF_MIRROR_SHARE=0% "$@" java -XX:+UseParallelGC -Xms256m -Xmx512m \
  -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints -jar bff-ios/target/bff-ios.jar --port 18081 > /tmp/ap/$name.log 2>&1 &
pid=$!
sleep 10
TOKEN=$(curl -s 'localhost:9000/token?sub=u1&scope=read' | jq -r .access_token)
wrk -t1 -c64 -d${WARM:-15}s -H "authorization: Bearer $TOKEN" http://127.0.0.1:18081$path > /dev/null   # warm-up (WARM seconds)
jcmd $pid JVMTI.agent_load ${ASYNC_PROFILER_LIB:-/tmp/ap/linux-x64/libasyncProfiler.so} "\"start,event=cpu,interval=1ms\"" > /dev/null
wrk -t1 -c64 -d20s --latency -H "authorization: Bearer $TOKEN" http://127.0.0.1:18081$path | grep -E "Requests/sec|  99%|  50%"
jcmd $pid JVMTI.agent_load ${ASYNC_PROFILER_LIB:-/tmp/ap/linux-x64/libasyncProfiler.so} "\"dump,collapsed,file=/tmp/ap/$name.collapsed\"" > /dev/null
jcmd $pid JVMTI.agent_load ${ASYNC_PROFILER_LIB:-/tmp/ap/linux-x64/libasyncProfiler.so} "\"stop,file=/tmp/ap/$name.html\"" > /dev/null
kill $pid
