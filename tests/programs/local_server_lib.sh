# Shared by the browser tests (source it after `set -euo pipefail`, with
# $local_bin set): a temporary directory $dir, the processes $server and
# $client stopped on exit, and serve_plain to run alter-local on $dir/a.db.

dir=$(mktemp -d)
# Browser tests keep their profiles here, so that no_browser_left can look for them.
export ALTER_BROWSER_PROFILES="$dir/profiles"
mkdir -p "$ALTER_BROWSER_PROFILES"

# Fails when a process still runs on a browser profile of this test.
no_browser_left() {
  local p
  for p in /proc/[0-9]*; do
    # "[u]": the pattern does not match grep's own command line.
    if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q "[u]ser-data-dir=$ALTER_BROWSER_PROFILES"; then
      echo "a browser outlived its test: $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)"
      return 1
    fi
  done
}
server=
client=
cleanup() {
  # Never `kill 0`: that would signal this script's whole process group.
  for pid in $server $client; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

# Starts alter-local on free ports over plain HTTP; sets server, url, providers.
serve_plain() {
  "$local_bin" serve --db "$dir/a.db" --port 0 --provider-port 0 --plain >"$dir/log" 2>&1 &
  server=$!
  for _ in $(seq 50); do grep -q "API on" "$dir/log" && break; sleep 0.1; done
  url=$(grep -o 'API on http://[0-9.:]*' "$dir/log" | awk '{print $3}')
  providers=$(grep -o 'providers on http://[0-9.:]*' "$dir/log" | awk '{print $3}')
  [[ -n "$url" && -n "$providers" ]] || { cat "$dir/log"; exit 1; }
}
