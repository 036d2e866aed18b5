#!/usr/bin/env bash
# BFF Kit load test: demo services, the BFF, a hand-written fan-out and nginx measured in one run,
# each system in its own process (child logs in reports/latest/logs/); the driver runs in this JVM.
#   load-tests/run.sh [--quick] [--only startup,passthrough,screen,screen-rest,fanout,connections,faults,fleet]
#   BENCH_JVM_FLAGS="-XX:+UseG1GC -Xmx512m" load-tests/run.sh ...   # other JVM flags for the BFF and the baseline
#   BENCH_PREVIOUS_JAR=../prev/bff-ios/target/bff-ios.jar load-tests/run.sh --only passthrough,screen   # against another build
# Writes load-tests/reports/latest/summary.md and report.html. --quick: < 60 s, for CI (checks
# that the harness works; never gates on speed). Full mode: about 7 minutes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="$here/target/bff-demo.jar"
cd "$root"

# build if the jar is missing or older than any source
if [[ ! -f "$jar" ]] || [[ -n "$(find . -path ./load-tests/reports -prune -o \( -name '*.java' -o -name 'pom.xml' -o -path '*/resources/*' \) -newer "$jar" -print -quit)" ]]; then
  echo "building (mvn -q -DskipTests package)..." >&2
  # package (not install): the reactor resolves sibling modules from their target/ folders
  mvn -B -q -DskipTests package >&2
fi

# nginx baseline: install when missing and root; otherwise the report says it was skipped
if ! command -v nginx >/dev/null 2>&1 && [[ ! -x /usr/sbin/nginx ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing nginx..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx) >&2 \
      || echo "nginx install failed; the nginx baseline will be skipped" >&2
  else
    echo "nginx not found and not root; the nginx baseline will be skipped" >&2
  fi
fi
export PATH="$PATH:/usr/sbin"

# 10k connections: the driver holds one end, the BFF or nginx the other (children inherit the limit)
want=65536
if [[ "$(ulimit -n)" != unlimited ]] && (( $(ulimit -n) < want )); then
  ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi
echo "ulimit -n: $(ulimit -n)" >&2

mkdir -p "$here/reports/latest"
exec java -XX:+UseParallelGC -Xms512m -Xmx1g -Dbffkit.root="$root" -cp "$jar" dev.bffkit.loadtests.bench.BenchMain \
  --out "$here/reports/latest" "$@"
