#!/usr/bin/env bash
# A distributed run whose workers fail ends in bounded time with a clear error,
# a non-zero exit and a partial report naming the missing workers:
#  1. one of two workers never joins: the run is called off after the join
#     timeout, and the worker that did join is sent home;
#  2. a worker is killed (SIGKILL) while driving: the coordinator counts the
#     other worker's report and names the lost one.
# A second argument --insecure-plain-cluster runs the link in the clear.
set -euo pipefail
swarm="$1"
link=(${2:-})
base="$(mktemp -d)"
work="$base/never-joins"
mkdir -p "$work"
source "$(dirname "$0")/swarm_cluster_lib.sh"
trap 'cleanup; rm -rf "$base"' EXIT

# 1. A worker that never joins.
start_coordinator "${link[@]}" --workers 2 --join-timeout 3 --agents 10 --calls-per-agent 2
start_worker 1 "${link[@]}"
joined="$worker"
wait_bounded "$coordinator" 30
[ "$status" -ne 0 ] || fail "the coordinator succeeded without its second worker"
grep -q "never joined" "$work/coordinator.err" || fail "no clear error"
grep -q "called off" "$work/coordinator.err" || fail "no clear error"
wait_bounded "$joined" 30
[ "$status" -ne 0 ] || fail "the joined worker succeeded although the run was called off"
grep -q "called off" "$work/worker1.err" || fail "the joined worker was not told why"
python3 - "$work/reports/swarm-report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["cluster"]
assert not c["complete"], c
assert [w["state"] for w in c["workers"]] == ["called_off", "never_joined"], c
assert r["calls"] == 0 and c["calls_planned"] == 20, (r["calls"], c)
PY
echo "never joined: $(grep -o 'the run is incomplete.*' "$work/coordinator.err")"

# 2. A worker killed while it drives its share.
work="$base/killed"
mkdir -p "$work"
pids=()
start_coordinator "${link[@]}" --workers 2 --agents 40 --duration 6
start_worker 1 "${link[@]}"
survivor="$worker"
start_worker 2 "${link[@]}"
victim="$worker"
for _ in $(seq 1 300); do
  grep -q "driving" "$work/worker2.err" 2>/dev/null && break
  sleep 0.1
done
grep -q "driving" "$work/worker2.err" || fail "worker 2 never started driving"
sleep 1
kill -9 "$victim"
killed_at=$(date +%s)
wait_bounded "$coordinator" 40
ended_after=$(($(date +%s) - killed_at))
[ "$status" -ne 0 ] || fail "the coordinator succeeded with a worker lost"
grep -q "was lost after the run started" "$work/coordinator.err" || fail "no clear error"
# The coordinator's live line covers the whole cluster: while the survivor
# drives, one running and one lost; at the end, one reported and one lost.
grep -Eq "cluster: 1 running, 0 reported, 1 lost of 2 workers; [1-9][0-9]* of ~ calls" \
  "$work/coordinator.err" || fail "no cluster progress during the run: $(cat "$work/coordinator.err")"
grep -Eq "cluster: 0 running, 1 reported, 1 lost of 2 workers" "$work/coordinator.err" \
  || fail "no last cluster line"
wait_bounded "$survivor" 30
[ "$status" -eq 0 ] || fail "the surviving worker's report was not taken"
python3 - "$work/reports/swarm-report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["cluster"]
assert not c["complete"], c
states = sorted(w["state"] for w in c["workers"])
assert states == ["lost", "reported"], c
reported = [w for w in c["workers"] if w["state"] == "reported"][0]
lost = [w for w in c["workers"] if w["state"] == "lost"][0]
assert r["calls"] == reported["calls_counted"] > 0, (r["calls"], reported)
assert lost["agents"] == 20 and lost["calls_counted"] == 0, lost
assert sum(r["timeline"]) == r["calls"]
PY
echo "killed: the coordinator ended $ended_after s after the kill:" \
  "$(grep -o 'the run is incomplete.*' "$work/coordinator.err")"
echo "worker failures: bounded, reported, partial"
