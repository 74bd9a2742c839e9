#!/usr/bin/env bash
# alter-swarm against a backend it did not start (--target): alter-local serve
# runs as a process of its own; the swarm makes its agents and their grants
# through the API with the app key, drives them, and removes what it made.
set -euo pipefail
swarm=$1
local_bin=$2
dir=$(mktemp -d)
server=
# Never `kill 0`: that would signal this script's whole process group.
trap '[[ -z "$server" ]] || kill "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT
fail() { echo "swarm --target: $*"; exit 1; }

"$local_bin" serve --db "$dir/t.db" --port 0 --provider-port 0 --plain \
  --bootstrap-agents 1 >"$dir/log" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "^  token:" "$dir/log" && break; sleep 0.1; done
api=$(sed -n 's/^alter-local: API on \([^,]*\), providers on \([^,]*\),.*/\1/p' "$dir/log")
providers=$(sed -n 's/^alter-local: API on \([^,]*\), providers on \([^,]*\),.*/\2/p' "$dir/log")
app_key=$(grep -m1 '^  key: alter_rk_' "$dir/log" | awk '{print $2}')
[[ -n "$api" && -n "$providers" && -n "$app_key" ]] || fail "alter-local did not start: $(cat "$dir/log")"

# Without the app key: a usage error that names the variable.
set +e
env -u ALTER_API_KEY "$swarm" --target "$api" --target-providers "$providers" \
  >/dev/null 2>"$dir/err"
rc=$?
set -e
[[ $rc == 2 ]] && grep -q "set ALTER_API_KEY" "$dir/err" || fail "no key: rc $rc $(cat "$dir/err")"

ALTER_API_KEY="$app_key" "$swarm" --target "$api" --target-providers "$providers" \
  --agents 6 --calls-per-agent 5 --mix retrieve=1,proxy=1,constrained=1,traced=1 \
  --report-dir "$dir/reports" --quiet >"$dir/out" 2>"$dir/err" \
  || fail "the run failed: $(cat "$dir/out" "$dir/err")"
cat "$dir/out"
grep -q "removed 6 agents and revoked" "$dir/out" || fail "nothing said of the clean-up"
python3 - "$dir/reports/swarm-report.json" "$api" <<'PY'
import json, sys
r, api = json.load(open(sys.argv[1])), sys.argv[2]
assert r["verdict"]["result"] == "PASS", r["verdict"]
assert r["calls"] == 30 and r["failed"] == 0, (r["calls"], r["errors"])
assert r["setup"]["target"] == api + " (agents made through its API)", r["setup"]
for kind in ("retrieve", "proxy", "constrained", "traced"):
    assert r["calls_by_kind"].get(kind, 0) > 0, r["calls_by_kind"]
assert "denied" not in r["calls_by_kind"] and "approval" not in r["calls_by_kind"]
PY
# What the run made is gone: its agents revoked, their grants revoked, and the
# app's own agent untouched; every call it made is in the deployment's trail.
kill -TERM "$server"
wait "$server" || true
server=
count() { sqlite3 "$dir/t.db" "$1"; }
[[ $(count "SELECT count(*) FROM agents WHERE name LIKE 'swarm-%' AND status = 'revoked'") == 6 ]] \
  || fail "the swarm's agents were not removed"
[[ $(count "SELECT count(*) FROM agents WHERE name NOT LIKE 'swarm-%' AND status = 'active'") == 1 ]] \
  || fail "the app's own agent was touched"
[[ $(count "SELECT count(*) FROM grants g JOIN agents a ON g.agent_id = a.id
            WHERE a.name LIKE 'swarm-%' AND g.revoked_at IS NULL") == 0 ]] \
  || fail "grants of the swarm's agents are still live"
[[ $(count "SELECT count(*) FROM audit_log WHERE action = 'proxy.executed'") -gt 0 ]] \
  || fail "no proxied call in the trail"
echo "swarm --target: provisioned through the API, driven, cleaned up"
