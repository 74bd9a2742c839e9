#!/usr/bin/env bash
# SIGKILL the backend under load, restart it, and check that every call the
# client saw succeed has its audit row: a row is committed (SQLite WAL,
# synchronous=FULL) before the answer leaves, so a crash can only lose rows of
# calls whose answers never left.
set -euo pipefail
local_bin=$1
load_bin=$2
dir=$(mktemp -d)
server=
load=
cleanup() {
  for pid in $server $load; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

boot=$("$local_bin" bootstrap --db "$dir/a.db" --agents 1)
app=$(awk '/^app /{print $2}' <<<"$boot")
key=$(grep -m2 '^  key: ' <<<"$boot" | tail -1 | awk '{print $2}')
grant=$(awk '/^agent /{found=1} found && /^  grant: /{print $2; exit}' <<<"$boot")

start_server() {
  "$local_bin" serve --db "$dir/a.db" --port 0 --provider-port 0 --plain >"$dir/log" 2>&1 &
  server=$!
  for _ in $(seq 100); do grep -q "API on" "$dir/log" && break; sleep 0.05; done
  url=$(grep -o 'API on http://[0-9.:]*' "$dir/log" | awk '{print $3}')
  providers=$(grep -o 'providers on http://[0-9.:]*' "$dir/log" | awk '{print $3}')
  [[ -n "$url" ]] || { cat "$dir/log"; exit 1; }
}

start_server
ALTER_API_KEY=$key "$load_bin" "$url" "$grant" "$providers" >"$dir/seen" 2>/dev/null &
load=$!
# Crash under load: once enough calls went through (slow sanitized builds on a
# busy machine need longer), never later than 30 s.
for _ in $(seq 300); do
  (( $(grep -c '^ok ' "$dir/seen" || true) >= 100 )) && break
  sleep 0.1
done
kill -9 "$server"
wait "$server" 2>/dev/null || true
server=
sleep 0.3
kill -9 "$load"
wait "$load" 2>/dev/null || true
load=
seen=$(grep -c '^ok ' "$dir/seen" || true)
((seen > 50)) || { echo "too little load before the crash: $seen calls"; exit 1; }

# Restart on the same database: it must open and serve again.
start_server
kill -TERM "$server"
wait "$server"
server=
"$local_bin" audit --db "$dir/a.db" --app "$app" --limit 100000 \
  | grep '"action":"proxy.executed","outcome":"success"' \
  | grep -o '"reason":"crash-[0-9]*-[0-9]*"' | sed 's/"reason":"//; s/"$//' | sort -u >"$dir/audited"
awk '{print $2}' "$dir/seen" | sort -u >"$dir/confirmed"
missing=$(comm -23 "$dir/confirmed" "$dir/audited" | wc -l)
audited=$(wc -l <"$dir/audited")
echo "crash: $seen calls confirmed before SIGKILL, $audited audited, $missing confirmed without a row"
[[ $missing == 0 ]] || { comm -23 "$dir/confirmed" "$dir/audited" | head; exit 1; }
echo "crash test: every confirmed call has its audit row"
