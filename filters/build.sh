#!/bin/sh
# Builds the example Proxy-Wasm filters: npm ci (pinned by package-lock.json), then asc per filter with the
# SDK's flags (--use abort=abort_proc_exit: an AssemblyScript abort logs and exits through the SDK) and release
# optimisation. Writes <outdir>/<name>.wasm (default: dist/, which is committed; ExampleFiltersBuildTest rebuilds
# into a scratch folder and asserts the committed files are byte-for-byte the same).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/dist}
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
cd "$here"
[ -x node_modules/.bin/asc ] || npm ci --no-audit --no-fund --loglevel=error
mkdir -p "$out"
for f in add-header header-sanitize ab-routing pii-redaction; do
  node_modules/.bin/asc "$f/index.ts" --binaryFile "$out/$f.wasm" --use abort=abort_proc_exit --optimize
done
