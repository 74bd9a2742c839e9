#!/usr/bin/env bash
# Backend CPU per proxied call: alter-local serve as its own process, its
# database in a file, driven by alter_backend_cpu_bench over plain HTTP.
#
#   scripts/backend_cpu.sh [BUILD_DIR] [CALLS] [THREADS]
#
# Extra serve flags in SERVE_FLAGS; the work directory in WORKDIR (default: a
# temporary one, removed at the end).
set -euo pipefail
build=${1:-build}
calls=${2:-5000}
threads=${3:-8}
work=${WORKDIR:-$(mktemp -d)}
mkdir -p "$work"
cleanup() {
  [[ -n ${pid:-} ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [[ -z ${WORKDIR:-} ]] && rm -rf "$work"
  return 0
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$build/tools/alter-local" serve --db "$work/cpu.db" --plain --port "$port" \
  --provider-port "$pport" --bootstrap-agents 1 ${SERVE_FLAGS:-} >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 200); do
  grep -q "^agent " "$work/serve.log" 2>/dev/null && grep -q "grant:" \
    <(sed -n '/^agent /,$p' "$work/serve.log") && break
  sleep 0.05
done
agent=$(sed -n '/^agent /,$p' "$work/serve.log")
key=$(grep -m1 'key:' <<<"$agent" | awk '{print $2}')
grant=$(grep -m1 'grant:' <<<"$agent" | awk '{print $2}')
"$build/benchmarks/alter_backend_cpu_bench" --pid "$pid" --port "$port" \
  --provider-url "http://127.0.0.1:$pport" --key "$key" --grant "$grant" \
  --calls "$calls" --threads "$threads"
