#!/bin/bash
# Needs the demo running (java -jar load-tests/target/bff-demo.jar), wrk, and ASYNC_PROFILER_LIB (see profile-before.md); output in /tmp/ap/.
# Profiles the hand-written fan-out (gRPC home, as the iOS home) under wrk; args: NAME PATH
name=$1; path=$2
cd "$(dirname "$0")/../../.."
java -XX:+UseParallelGC -Xms256m -Xmx512m -Dio.netty.allocator.type=pooled -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
  -cp load-tests/target/bff-demo.jar dev.bffkit.loadtests.bench.HandWrittenFanout --port 18090 > /tmp/ap/$name.log 2>&1 &
pid=$!
sleep 6
wrk -t1 -c64 -d${WARM:-15}s -H "authorization: Bearer x" http://127.0.0.1:18090$path > /dev/null
jcmd $pid JVMTI.agent_load ${ASYNC_PROFILER_LIB:-/tmp/ap/linux-x64/libasyncProfiler.so} "\"start,event=cpu,interval=1ms\"" > /dev/null
wrk -t1 -c64 -d20s --latency http://127.0.0.1:18090$path | grep -E "Requests/sec|  99%|  50%"
jcmd $pid JVMTI.agent_load ${ASYNC_PROFILER_LIB:-/tmp/ap/linux-x64/libasyncProfiler.so} "\"dump,collapsed,file=/tmp/ap/$name.collapsed\"" > /dev/null
jcmd $pid JVMTI.agent_load ${ASYNC_PROFILER_LIB:-/tmp/ap/linux-x64/libasyncProfiler.so} "\"stop,file=/tmp/ap/$name.html\"" > /dev/null
kill $pid
