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
# Local identity provider users: the password from stdin or a file, stored as
# a scrypt hash only; never printed.
password="smoke-pass-$RANDOM-$RANDOM"
out=$(printf '%s\n' "$password" | "$bin" users add carol --db "$dir/a.db")
grep -q '^user carol' <<<"$out" || { echo "users add: $out"; exit 1; }
printf '%s\n' "other-$password" >"$dir/pw"
"$bin" users add dora --db "$dir/a.db" --password-file "$dir/pw" >/dev/null
[[ $("$bin" users list --db "$dir/a.db" | tr '\n' ' ') == "carol dora " ]] \
  || { echo "users list wrong"; exit 1; }
if sqlite3 "$dir/a.db" .dump | grep -q -e "$password"; then
  echo "the plaintext password is in the database"; exit 1
fi
sqlite3 "$dir/a.db" "SELECT password_hash FROM local_idp_users WHERE name='carol'" \
  | grep -q '^scrypt\$15\$8\$1\$[0-9a-f]\{32\}\$[0-9a-f]\{64\}$' || { echo "no scrypt hash"; exit 1; }
set +e
printf 'short\n' | "$bin" users add eve --db "$dir/a.db" >"$dir/out" 2>"$dir/err"; rc=$?
set -e
[[ $rc == 1 ]] && grep -q "8 to 1024 bytes" "$dir/err" || { echo "short password not refused"; exit 1; }
if grep -q short "$dir/out" "$dir/err"; then echo "a password was echoed"; exit 1; fi
"$bin" users remove dora --db "$dir/a.db"
[[ $("$bin" users list --db "$dir/a.db") == "carol" ]] || { echo "users remove failed"; exit 1; }

set +e
"$bin" serve --port nope >/dev/null 2>"$dir/err"; rc=$?
set -e
[[ $rc == 2 ]] && grep -q "ports must be numbers" "$dir/err" || { echo "bad port not refused"; exit 1; }
set +e
"$bin" serve --upstream-idle-timeout-ms 0 >/dev/null 2>"$dir/err"; rc=$?
set -e
[[ $rc == 2 ]] && grep -q "upstream-idle-timeout-ms must be" "$dir/err" \
  || { echo "bad upstream idle timeout not refused"; exit 1; }
set +e
"$bin" frobnicate 2>"$dir/err"; rc=$?
set -e
[[ $rc == 2 ]] && grep -q "frobnicate" "$dir/err" || { echo "bad command not refused"; exit 1; }

echo '{"rules": [{"path": "/v1/", "kind": "bogus"}]}' >"$dir/bad-faults.json"
set +e
"$bin" serve --db "$dir/f.db" --port 0 --faults "$dir/bad-faults.json" 2>"$dir/err"; rc=$?
set -e
[[ $rc == 1 ]] && grep -q "unknown fault kind bogus" "$dir/err" || { echo "bad faults not refused"; exit 1; }
echo '{"rules": [{"path": "/v1/me", "kind": "status", "status": 503, "limit": 1}]}' >"$dir/faults.json"

"$bin" serve --db "$dir/s.db" --port 0 --provider-port 0 --plain \
  --upstream-idle-timeout-ms 2000 --simulated-provider-idle-timeout 5 \
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
# A page form from nowhere (no Origin, no Referer) is refused, with its code.
code=$(curl -s -o /dev/null -w '%{http_code}' -d 'token=x&next=apr_0' "$url/approvals/login")
[[ $code == 403 ]] || { echo "an originless sign-in answered $code"; exit 1; }
curl -s -D - -o /dev/null -d 'token=x' -H "Origin: http://evil.example" "$url/approvals/login" \
  | grep -qi '^x-alter-error-code: cross_origin_request' || { echo "no cross-origin code"; exit 1; }
grep -q "insecure-dev-sign-in" "$dir/log" && { echo "dev warning without the flag"; exit 1; }
# A second server on the same port says which port is busy and what to do.
port=${url##*:}
set +e
"$bin" serve --db "$dir/busy.db" --port "$port" --provider-port 0 --plain >/dev/null 2>"$dir/err"
rc=$?
set -e
[[ $rc == 1 ]] && grep -q "cannot listen on 127.0.0.1:$port: Address already in use" "$dir/err" \
  && grep -q "choose another port" "$dir/err" && ! grep -q "/usr/include" "$dir/err" \
  || { echo "a busy port is not said plainly (rc $rc): $(cat "$dir/err")"; exit 1; }
kill -TERM "$server"
wait "$server"
grep -q "stopping" "$dir/log"
# The open sign-in of development warns at start.
"$bin" serve --db "$dir/d.db" --port 0 --provider-port 0 --plain --insecure-dev-sign-in \
  --approver-session-minutes 5 >"$dir/log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q "API on" "$dir/log" && break; sleep 0.1; done
grep -q "WARNING: --insecure-dev-sign-in" "$dir/log" || { cat "$dir/log"; exit 1; }
kill -TERM "$server"
wait "$server"
server=
set +e
"$bin" serve --approver-session-minutes 0 2>"$dir/err"; rc=$?
set -e
[[ $rc == 2 ]] && grep -q "approver-session-minutes" "$dir/err" || { echo "bad session minutes not refused"; exit 1; }
# Required scopes: a scope with characters a scope cannot have, or an unknown
# provider, is refused and changes nothing.
set +e
"$bin" providers require-scopes --db "$dir/d.db" --provider sim-oauth \
  --scopes $'read <script>\x01' 2>"$dir/err"; rc=$?
set -e
[[ $rc == 2 ]] && grep -q "a scope is 1 to 64" "$dir/err" || { echo "bad scope not refused"; exit 1; }
set +e
"$bin" providers require-scopes --db "$dir/d.db" --provider nope --scopes read 2>"$dir/err"; rc=$?
set -e
[[ $rc == 1 ]] && grep -q "no provider nope" "$dir/err" || { echo "unknown provider not refused"; exit 1; }
"$bin" providers require-scopes --db "$dir/d.db" --provider sim-oauth --scopes "read admin" \
  | grep -q "provider sim-oauth requires: read admin" || { echo "scopes not set"; exit 1; }
echo "alter-local smoke: ok"
