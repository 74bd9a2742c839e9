#!/usr/bin/env bash
# The refresh stampede (scenarios/oauth-refresh.json): 1,000 agents make
# 10,000 calls on one shared OAuth grant whose access token expired just before
# the run. The authorization server must see exactly one refresh, every call
# must succeed, and no call may reach the provider with an expired token.
set -euo pipefail
swarm="$1"
scenario="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$swarm" --scenario "$scenario" --report-dir "$work" --quiet >"$work/out" 2>"$work/err" || {
  cat "$work/out" "$work/err"; exit 1; }
cat "$work/out"
python3 - "$work/swarm-report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
o = r["oauth"]
assert r["calls"] == 10000, r["calls"]
assert r["failed"] == 0, r["errors"]
assert o["grants"] == 1, o
assert o["refreshes"] == 1, o
assert o["refused_refreshes"] == 0 and o["failed"] == 0 and o["waited_out"] == 0, o
assert o["expired_presentations"] == 0, o
print("oauth stampede: %d calls, %d refresh, %d expired tokens at the provider"
      % (r["calls"], o["refreshes"], o["expired_presentations"]))
PY
