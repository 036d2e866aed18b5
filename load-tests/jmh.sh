#!/usr/bin/env bash
# JMH benchmarks of the hot paths: load-tests/jmh.sh [JMH args, e.g. ComposeBench -f 1 -wi 2 -i 3]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jar="$root/load-tests/target/bff-demo.jar"
[[ -f "$jar" ]] || (cd "$root" && mvn -B -q -DskipTests package)
exec java -cp "$jar" org.openjdk.jmh.Main "$@"
