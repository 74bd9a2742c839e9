#!/usr/bin/env bash
# A held call approved by a person in a real browser: alter-local with a
# require_approval rule, the `alter` CLI waiting on the call, headless Chromium
# signing in on the approval page and clicking Approve.
set -euo pipefail
local_bin=$1
alter_bin=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=local_server_lib.sh
source "$here/local_server_lib.sh"

boot=$("$local_bin" bootstrap --db "$dir/a.db" --agents 1)
app=$(awk '/^app /{print $2}' <<<"$boot")
agent=$(awk '/^agent /{print $3}' <<<"$boot")
key=$(grep -m2 '^  key: ' <<<"$boot" | tail -1 | awk '{print $2}')
grant=$(awk '/^agent /{found=1} found && /^  grant: /{print $2; exit}' <<<"$boot")
token=$(awk '/^  token: /{print $2}' <<<"$boot")
[[ -n "$app" && -n "$agent" && -n "$key" && -n "$grant" && -n "$token" ]] \
  || { echo "bootstrap output not understood"; exit 1; }
"$local_bin" rules add --db "$dir/a.db" --app "$app" --name "payments need a human" \
  --target "agent:$agent" --type require_approval >/dev/null

serve_plain

reason="pay invoice 2026-117"
# Retrieve mode on a held grant: refused, and the error says what to use.
set +e
ALTER_API_KEY=$key ALTER_BASE_URL=$url "$alter_bin" request --grant "$grant" \
  --url "$providers/sim-bearer/v1/payments" --reason "$reason" >/dev/null 2>"$dir/held.err"
rc=$?
set -e
[[ $rc == 1 ]] && grep -q "hitl_grant_requires_proxy" "$dir/held.err" \
  && grep -q "use \`alter proxy\`" "$dir/held.err" \
  || { echo "alter request on a held grant: rc $rc"; cat "$dir/held.err"; exit 1; }
ALTER_API_KEY=$key ALTER_BASE_URL=$url "$alter_bin" proxy --grant "$grant" \
  --url "$providers/sim-bearer/v1/payments" --method POST --json '{"amount":42}' \
  --reason "$reason" --await 60 >"$dir/result" 2>"$dir/client.err" &
client=$!
for _ in $(seq 100); do grep -q "waiting for approval at" "$dir/client.err" && break; sleep 0.1; done
approval_url=$(grep -o 'waiting for approval at .*' "$dir/client.err" | awk '{print $5}')
[[ -n "$approval_url" ]] || { cat "$dir/client.err"; exit 1; }

python3 "$here/webdriver.py"
python3 "$here/approval_browser.py" "$approval_url" "$token" "$reason"
no_browser_left
wait "$client"
client=
grep -q '"status_code":200' "$dir/result" || { cat "$dir/result" "$dir/client.err"; exit 1; }
grep -q '"approval_id":"apr_' "$dir/result" || { cat "$dir/result"; exit 1; }
"$local_bin" audit --db "$dir/a.db" --app "$app" | grep -q '"action":"approval.approved".*"decided_by":"approver"' \
  || { echo "no approval row"; exit 1; }
echo "approval in a browser: ok"
