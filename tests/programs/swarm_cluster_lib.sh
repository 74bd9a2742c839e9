# Shared by the distributed swarm tests (sourced): a coordinator on loopback,
# its port, the operator's copy of the workers' certificates, workers, checks.
# The sourcing script sets `swarm` (the alter-swarm binary) and `work` (a
# fresh temporary directory) first.
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# What programs print must never hold a key, a token or a managed-secret value.
secret_pattern='alter_(ak|rk|dk|pk|apv)_[A-Za-z0-9]+|sim-(bearer|apikey|query)_[0-9a-f]+'

fail() {
  echo "FAIL: $*"
  for f in "$work"/*.out "$work"/*.err; do
    [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }
  done
  exit 1
}

# start_coordinator ARGS...: sets `coordinator` (its pid) and `port`, and
# copies DIR/worker/ to $work/worker-certs as the operator would.
start_coordinator() {
  "$swarm" --coordinator --port 0 --cluster-certs "$work/certs" \
    --report-dir "$work/reports" "$@" >"$work/coordinator.out" 2>"$work/coordinator.err" &
  coordinator=$!
  pids+=("$coordinator")
  port=""
  for _ in $(seq 1 300); do
    # The coordinator may not have opened its output yet: not an error.
    port="$(sed -n 's/.*coordinator listening on [0-9.]*:\([0-9]*\).*/\1/p' \
      "$work/coordinator.out" 2>/dev/null || true)"
    [ -n "$port" ] && break
    kill -0 "$coordinator" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$port" ] || fail "the coordinator never listened"
  if [ -d "$work/certs/worker" ]; then
    cp -r "$work/certs/worker" "$work/worker-certs"
  fi
}

# start_worker N ARGS...: a worker with the copied certificates; sets `worker`.
start_worker() {
  local n="$1"
  shift
  "$swarm" --worker "127.0.0.1:$port" --cluster-certs "$work/worker-certs" "$@" \
    >"$work/worker$n.out" 2>"$work/worker$n.err" &
  worker=$!
  pids+=("$worker")
}

# wait_bounded PID SECONDS: waits for PID at most SECONDS; sets `status`.
wait_bounded() {
  local pid="$1" limit="$2" waited=0
  while kill -0 "$pid" 2>/dev/null; do
    [ "$waited" -ge $((limit * 10)) ] && fail "process $pid still running after $limit s"
    sleep 0.1
    waited=$((waited + 1))
  done
  status=0
  wait "$pid" || status=$?
}

# check_complete_report AGENTS CALLS WORKERS: the merged report accounts for
# every call, from every worker.
check_complete_report() {
  python3 - "$work/reports/swarm-report.json" "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
agents, calls, workers = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
expected = agents * calls
assert r["workers"] == workers, r["workers"]
assert r["agents"] == agents, r["agents"]
assert r["calls"] == expected, (r["calls"], expected)
assert sum(r["calls_by_kind"].values()) == expected, r["calls_by_kind"]
assert r["succeeded"] + r["expected_refusals"] + r["failed"] == expected
assert r["failed"] == 0, r["errors"]
assert sum(r["timeline"]) == expected, sum(r["timeline"])
assert r["cluster"]["complete"], r["cluster"]
assert [w["state"] for w in r["cluster"]["workers"]] == ["reported"] * workers
print("distributed swarm: %d calls from %d workers, all accounted for" % (expected, workers))
PY
}
