#!/usr/bin/env bash
# Connect through an OAuth provider's consent step in a real browser: alter-local
# with its simulated OAuth authorization server, `alter connect` waiting on the
# session, headless Chromium clicking through the backend's page and the
# provider's consent page. Once allowed (the grant then calls the provider's API
# with a live access token), once denied.
set -euo pipefail
local_bin=$1
alter_bin=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=local_server_lib.sh
source "$here/local_server_lib.sh"

boot=$("$local_bin" bootstrap --db "$dir/a.db" --agents 1)
app=$(awk '/^app /{print $2}' <<<"$boot")
key=$(grep -m1 '^  key: ' <<<"$boot" | awk '{print $2}')
[[ -n "$app" && -n "$key" ]] || { echo "bootstrap output not understood"; exit 1; }

serve_plain

# Starts `alter connect` in the background and sets connect_url from what it
# writes to stderr.
start_connect() {
  ALTER_API_KEY=$key ALTER_BASE_URL=$url "$alter_bin" connect --providers sim-oauth \
    --timeout 60 >"$dir/$1.out" 2>"$dir/$1.err" &
  client=$!
  for _ in $(seq 100); do grep -q "open this URL to connect: " "$dir/$1.err" && break; sleep 0.1; done
  connect_url=$(grep -o 'open this URL to connect: .*' "$dir/$1.err" | awk '{print $6}')
  [[ -n "$connect_url" ]] || { cat "$dir/$1.err"; exit 1; }
}

# a. Allowed at the provider: `alter connect` prints the sim-oauth grant.
account="connect.person@example.test"
start_connect allowed
python3 "$here/connect_browser.py" "$connect_url" "$providers" allow "$account"
no_browser_left
status=0
wait "$client" || status=$?
client=
[[ $status -eq 0 ]] || { echo "alter connect exited $status"; cat "$dir/allowed.err"; exit 1; }
grant=$(grep -o '"grant_id":"[0-9a-f-]*","provider_id":"sim-oauth"' "$dir/allowed.out" \
  | cut -d'"' -f4)
[[ -n "$grant" ]] || { echo "no sim-oauth grant in:"; cat "$dir/allowed.out"; exit 1; }

# b. The grant's access token is live at the provider's API.
ALTER_API_KEY=$key ALTER_BASE_URL=$url "$alter_bin" proxy --grant "$grant" \
  --url "$providers/sim-oauth/v1/items" >"$dir/proxy.out" 2>&1 \
  || { cat "$dir/proxy.out"; exit 1; }
grep -q '"status_code":200' "$dir/proxy.out" || { cat "$dir/proxy.out"; exit 1; }

# c. Denied at the provider: `alter connect` fails with ConnectDeniedError.
start_connect denied
python3 "$here/connect_browser.py" "$connect_url" "$providers" deny "$account"
no_browser_left
status=0
wait "$client" || status=$?
client=
[[ $status -eq 1 ]] || { echo "alter connect exited $status after deny"; cat "$dir/denied.err"; exit 1; }
grep -q 'ConnectDeniedError (connect_denied)' "$dir/denied.err" \
  || { cat "$dir/denied.err"; exit 1; }
[[ ! -s "$dir/denied.out" ]] || { echo "output after deny:"; cat "$dir/denied.out"; exit 1; }

# d. The audit trail has both decisions and no token in it.
"$local_bin" audit --db "$dir/a.db" --app "$app" >"$dir/audit"
grep -q "\"action\":\"connect.completed\".*\"grant_id\":\"$grant\"" "$dir/audit" \
  || { echo "no connect.completed row"; cat "$dir/audit"; exit 1; }
grep -q '"action":"connect.denied"' "$dir/audit" || { echo "no connect.denied row"; exit 1; }
! grep -q -e '"access_token"' -e 'refresh_token' "$dir/audit" \
  || { echo "a token in the audit trail"; exit 1; }
echo "connect in a browser: ok"
