#!/usr/bin/env bash
# A PostgreSQL server for tests: in a temporary directory, on a Unix socket
# there only (no TCP port), fsync off (its data is thrown away). As root (CI) it
# runs as the `postgres` user: the server refuses root.
#
#   postgres_server.sh start DIR OWNER_PID  -> prints the connection URL of
#                                              database "alter" on it
#   postgres_server.sh stop DIR
#   postgres_server.sh cleanup              -> stops the servers in
#                                              /tmp/alter-pg-* whose owner died
#
# Program tests: dir=$(mktemp -d /tmp/alter-pg-XXXXXX); trap "... stop $dir" EXIT;
# url=$(... start "$dir" $$).
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
as_user=()
if [[ $(id -u) -eq 0 ]]; then
  as_user=(runuser -u postgres --)
fi

start() {
  local dir=$1 owner=$2
  echo "$owner" > "$dir/owner.pid"
  [[ ${#as_user[@]} -eq 0 ]] || chown postgres "$dir"
  "${as_user[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync \
    --no-instructions > "$dir/initdb.log" 2>&1
  "${as_user[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start > /dev/null
  "${as_user[@]}" "$bin/createdb" -h "$dir" -U postgres alter
  echo "postgresql:///alter?host=$dir&user=postgres"
}

stop() {
  local dir=$1
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    "${as_user[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop > /dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

cleanup() {
  local stopped=0
  for dir in /tmp/alter-pg-*; do
    [[ -d "$dir" ]] || continue
    local owner
    owner=$(cat "$dir/owner.pid" 2>/dev/null || echo "")
    # A live owner is still using its server (another suite, another run);
    # one without an owner yet is being made right now.
    if [[ -z "$owner" ]] || kill -0 "$owner" 2>/dev/null; then
      continue
    fi
    stop "$dir"
    stopped=$((stopped + 1))
  done
  echo "postgres cleanup: stopped $stopped stray servers"
}

case "${1:-}" in
  start) start "$2" "$3" ;;
  stop) stop "$2" ;;
  cleanup) cleanup ;;
  *) echo "usage: $0 start DIR OWNER_PID | stop DIR | cleanup" >&2; exit 2 ;;
esac
