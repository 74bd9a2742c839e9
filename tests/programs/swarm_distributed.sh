#!/usr/bin/env bash
# A coordinator and two workers as separate processes on loopback: the merged
# report must account for every call of the scenario, from both workers.
# A second argument (--cluster-tls) runs the cluster link over caf::openssl.
set -euo pipefail
swarm="$1"
link=(${2:-})
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

agents=40
calls=5
"$swarm" --coordinator "${link[@]}" --workers 2 --port 0 --agents "$agents" --calls-per-agent "$calls" \
  --report-dir "$work/reports" >"$work/coordinator.out" 2>"$work/coordinator.err" &
coordinator=$!
pids+=("$coordinator")

port=""
for _ in $(seq 1 300); do
  port="$(sed -n 's/.*coordinator listening on [0-9.]*:\([0-9]*\).*/\1/p' "$work/coordinator.out")"
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "the coordinator never listened"; cat "$work/coordinator.out" "$work/coordinator.err"
  exit 1
fi

for w in 1 2; do
  "$swarm" --worker "127.0.0.1:$port" "${link[@]}" 2>"$work/worker$w.err" &
  pids+=("$!")
done
for p in "${pids[@]:1}"; do
  wait "$p" || { echo "a worker failed"; cat "$work"/worker*.err; exit 1; }
done
status=0
wait "$coordinator" || status=$?
cat "$work/coordinator.out"
if [ "$status" -ne 0 ]; then
  echo "the coordinator exited with $status"; cat "$work/coordinator.err"; exit 1
fi

python3 - "$work/reports/swarm-report.json" "$agents" "$calls" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
agents, calls = int(sys.argv[2]), int(sys.argv[3])
expected = agents * calls
assert r["workers"] == 2, r["workers"]
assert r["agents"] == agents, r["agents"]
assert r["calls"] == expected, (r["calls"], expected)
assert sum(r["calls_by_kind"].values()) == expected, r["calls_by_kind"]
assert r["succeeded"] + r["expected_refusals"] + r["failed"] == expected
assert r["failed"] == 0, r["errors"]
assert sum(r["timeline"]) == expected, sum(r["timeline"])
print("distributed swarm: %d calls from 2 workers, all accounted for" % expected)
PY
