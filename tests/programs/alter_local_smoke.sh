#!/usr/bin/env bash
# alter-local as a user runs it: bootstrap prints keys once and stores hashes;
# serve answers on loopback; bad arguments get a clear error and exit code 2.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
server=
# Never `kill 0`: that would signal this script's whole process group.
trap '[[ -z "$server" ]] || kill "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT

out=$("$bin" bootstrap --db "$dir/a.db" --agents 2)
grep -q '^  key: alter_rk_' <<<"$out" || { echo "no app key in: $out"; exit 1; }
[[ $(grep -c '^  key: alter_ak_' <<<"$out") == 2 ]] || { echo "expected 2 agent keys"; exit 1; }
key=$(grep -m1 '^  key: alter_ak_' <<<"$out" | awk '{print $2}')
if sqlite3 "$dir/a.db" .dump | grep -q "$key"; then
  echo "the plaintext key is in the database"; exit 1
fi

# Encryption at rest: the first start made a 0600 key file next to the database;
# a looser one, a wrong key and a missing key are refused; rotation keeps the data.
app=$(grep -m1 '^app ' <<<"$out" | awk '{print $2}')
keyfile="$dir/a.db.master-key"
[[ $(stat -c %a "$keyfile") == 600 ]] || { echo "key file is not 0600"; exit 1; }
refused() { # expected message, then the command
  local want=$1; shift
  set +e
  "$@" >/dev/null 2>"$dir/err"; local rc=$?
  set -e
  [[ $rc == 1 ]] && grep -q "$want" "$dir/err" || { echo "not refused ($want): $(cat "$dir/err")"; exit 1; }
}
chmod 644 "$keyfile"
refused "looser than 0600" "$bin" audit --db "$dir/a.db" --app "$app"
chmod 600 "$keyfile"
ALTER_MASTER_KEY=$(head -c 32 /dev/urandom | base64) \
  refused "wrong key" "$bin" audit --db "$dir/a.db" --app "$app"
cp "$keyfile" "$dir/old.key"
"$bin" rotate-master-key --db "$dir/a.db" | grep -q "sealed under a new master key" \
  || { echo "rotate-master-key failed"; exit 1; }
refused "wrong key" "$bin" audit --db "$dir/a.db" --app "$app" --master-key-file "$dir/old.key"
"$bin" audit --db "$dir/a.db" --app "$app" >/dev/null
"$bin" rotate-data-key --db "$dir/a.db" | grep -q "data key 2" \
  || { echo "rotate-data-key failed"; exit 1; }
"$bin" approver add --db "$dir/a.db" --app "$app" --name second >/dev/null
mv "$keyfile" "$dir/moved.key"
refused "is missing" "$bin" audit --db "$dir/a.db" --app "$app"
mv "$dir/moved.key" "$keyfile"

set +e
"$bin" serve --port nope >/dev/null 2>"$dir/err"; rc=$?
set -e
[[ $rc == 2 ]] && grep -q "ports must be numbers" "$dir/err" || { echo "bad port not refused"; exit 1; }
set +e
"$bin" frobnicate 2>"$dir/err"; rc=$?
set -e
[[ $rc == 2 ]] && grep -q "unknown command" "$dir/err" || { echo "bad command not refused"; exit 1; }

echo '{"rules": [{"path": "/v1/", "kind": "bogus"}]}' >"$dir/bad-faults.json"
set +e
"$bin" serve --db "$dir/f.db" --port 0 --faults "$dir/bad-faults.json" 2>"$dir/err"; rc=$?
set -e
[[ $rc == 1 ]] && grep -q "unknown fault kind bogus" "$dir/err" || { echo "bad faults not refused"; exit 1; }
echo '{"rules": [{"path": "/v1/me", "kind": "status", "status": 503, "limit": 1}]}' >"$dir/faults.json"

"$bin" serve --db "$dir/s.db" --port 0 --provider-port 0 --plain \
  --faults "$dir/faults.json" >"$dir/log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q "API on" "$dir/log" && break; sleep 0.1; done
url=$(grep -o 'API on http://[0-9.:]*' "$dir/log" | awk '{print $3}')
[[ -n "$url" ]] || { cat "$dir/log"; exit 1; }
# The first call meets the injected 503 (limit 1), the second the real answer.
body=$(curl -s "$url/v1/me")
grep -q '"code":"service_unavailable"' <<<"$body" || { echo "no injected fault: $body"; exit 1; }
body=$(curl -s "$url/v1/me")
grep -q '"code":"missing_api_key"' <<<"$body" || { echo "unexpected: $body"; exit 1; }
kill -TERM "$server"
wait "$server"
grep -q "stopping" "$dir/log"
echo "alter-local smoke: ok"
