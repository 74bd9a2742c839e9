#!/usr/bin/env bash
# A coordinator and two workers as separate processes on loopback: the merged
# report must account for every call of the scenario, from both workers. The
# link is mutual TLS with the coordinator's certificates (copied to the
# workers); a second argument --insecure-plain-cluster runs it in the clear.
set -euo pipefail
swarm="$1"
link=(${2:-})
work="$(mktemp -d)"
source "$(dirname "$0")/swarm_cluster_lib.sh"

agents=40
calls=5
start_coordinator "${link[@]}" --workers 2 --agents "$agents" --calls-per-agent "$calls"
for w in 1 2; do
  start_worker "$w" "${link[@]}"
done
for p in "${pids[@]:1}"; do
  wait "$p" || fail "a worker failed"
done
wait_bounded "$coordinator" 60
cat "$work/coordinator.out"
[ "$status" -eq 0 ] || fail "the coordinator exited with $status"
check_complete_report "$agents" "$calls" 2
# The coordinator's last line sums what both workers said of their shares.
grep -q "cluster: 0 running, 2 reported, 0 lost of 2 workers; $((agents * calls)) of $((agents * calls)) calls" \
  "$work/coordinator.err" || fail "no cluster progress: $(cat "$work/coordinator.err")"
