#!/bin/bash
# Needs the demo running (java -jar load-tests/target/bff-demo.jar), wrk, and ASYNC_PROFILER_LIB (see profile-before.md); output in /tmp/ap/.
name=$1
cd "$(dirname "$0")/../../.."
java -XX:+UseParallelGC -Xms256m -Xmx512m -Dio.netty.allocator.type=pooled -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
  -cp load-tests/target/bff-demo.jar dev.bffkit.loadtests.bench.HandWrittenProxy --port 18095 > /tmp/ap/$name.log 2>&1 &
pid=$!
sleep 4
wrk -t1 -c64 -d15s http://127.0.0.1:18095/api/posts/p1 > /dev/null
jcmd $pid JVMTI.agent_load ${ASYNC_PROFILER_LIB:-/tmp/ap/linux-x64/libasyncProfiler.so} "\"start,event=cpu,interval=1ms\"" > /dev/null
wrk -t1 -c64 -d20s --latency http://127.0.0.1:18095/api/posts/p1 | grep -E "Requests/sec|  99%|  50%"
jcmd $pid JVMTI.agent_load ${ASYNC_PROFILER_LIB:-/tmp/ap/linux-x64/libasyncProfiler.so} "\"dump,collapsed,file=/tmp/ap/$name.collapsed\"" > /dev/null
jcmd $pid JVMTI.agent_load ${ASYNC_PROFILER_LIB:-/tmp/ap/linux-x64/libasyncProfiler.so} "\"stop,file=/tmp/ap/$name.html\"" > /dev/null
kill $pid
