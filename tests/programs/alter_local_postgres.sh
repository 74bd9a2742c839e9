#!/usr/bin/env bash
# alter-local on a PostgreSQL database (--database postgresql://...): the master
# key must be named; bootstrap stores hashes only and no secret in clear; two
# instances started at once on one database both serve it.
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/alter-pg-XXXXXX)
servers=()
cleanup() {
  for s in "${servers[@]}"; do kill "$s" 2>/dev/null || true; done
  for s in "${servers[@]}"; do wait "$s" 2>/dev/null || true; done
  "$here/postgres_server.sh" stop "$dir"
}
trap cleanup EXIT
url=$("$here/postgres_server.sh" start "$dir" $$)
work=$(mktemp -d)
trap 'cleanup; rm -rf "$work"' EXIT

set +e
"$bin" bootstrap --database "$url" --agents 1 >/dev/null 2>"$work/err"; rc=$?
set -e
[[ $rc == 1 ]] && grep -q -- "--master-key-file" "$work/err" \
  || { echo "a PostgreSQL database without a named key: $(cat "$work/err")"; exit 1; }

out=$("$bin" bootstrap --database "$url" --master-key-file "$work/mk" --agents 1)
key=$(grep -m1 '^  key: alter_ak_' <<<"$out" | awk '{print $2}')
app=$(grep -m1 '^app ' <<<"$out" | awk '{print $2}')
[[ -n "$key" && -n "$app" ]] || { echo "bootstrap printed: $out"; exit 1; }
/usr/lib/postgresql/15/bin/pg_dump -d "$url" >"$work/dump.sql"
if grep -q "$key" "$work/dump.sql"; then echo "the plaintext key is in the database"; exit 1; fi
if grep -q "sim-bearer_" "$work/dump.sql"; then echo "a managed secret is in clear"; exit 1; fi

# Two instances at once on the one database, with the one key file.
for i in 1 2; do
  "$bin" serve --database "$url" --master-key-file "$work/mk" --port 0 --provider-port 0 \
    --plain >"$work/log$i" 2>&1 &
  servers+=($!)
done
for i in 1 2; do
  for _ in $(seq 100); do grep -q "API on" "$work/log$i" && break; sleep 0.1; done
  api=$(grep -o 'API on http://[0-9.:]*' "$work/log$i" | awk '{print $3}')
  [[ -n "$api" ]] || { cat "$work/log$i"; exit 1; }
  body=$(curl -s "$api/v1/me")
  grep -q '"code":"missing_api_key"' <<<"$body" || { echo "instance $i: $body"; exit 1; }
  grep -q "state in postgresql://postgres@/alter" "$work/log$i" \
    || { echo "instance $i names its database as: $(grep 'state in' "$work/log$i")"; exit 1; }
done
"$bin" rules add --db "$url" --master-key-file "$work/mk" --app "$app" --name hold \
  --target "app:$app" --type require_approval >/dev/null
[[ $("$bin" rules list --database "$url" --master-key-file "$work/mk" --app "$app" | wc -l) == 1 ]] \
  || { echo "rules list wrong"; exit 1; }
"$bin" audit --database "$url" --master-key-file "$work/mk" --app "$app" >/dev/null
echo "alter-local on postgres: ok"
