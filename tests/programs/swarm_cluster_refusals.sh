#!/usr/bin/env bash
# Plain TCP is refused off loopback (before anything starts), and a worker
# without readable cluster certificates does not try to connect.
set -euo pipefail
swarm="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

expect_refusal() { # WHAT PATTERN COMMAND...
  local what="$1" pattern="$2"
  shift 2
  local status=0
  timeout 10 "$@" >"$work/out" 2>"$work/err" || status=$?
  if [ "$status" -eq 0 ] || [ "$status" -eq 124 ] || ! grep -q "$pattern" "$work/err"; then
    echo "FAIL: $what (exit $status)"
    cat "$work/out" "$work/err"
    exit 1
  fi
  echo "refused: $what"
}
expect_refusal "a plain coordinator on 0.0.0.0" "loopback address only" \
  "$swarm" --coordinator --workers 1 --insecure-plain-cluster --bind 0.0.0.0 \
  --cluster-certs "$work/certs"
expect_refusal "a plain coordinator on a LAN address" "loopback address only" \
  "$swarm" --coordinator --workers 1 --insecure-plain-cluster --bind 192.0.2.1
expect_refusal "a plain coordinator on a name" "loopback address only" \
  "$swarm" --coordinator --workers 1 --insecure-plain-cluster --bind localhost
expect_refusal "a plain worker towards another machine" "loopback address only" \
  "$swarm" --worker 192.0.2.1:7000 --insecure-plain-cluster
expect_refusal "a worker without certificates" "cannot read" \
  "$swarm" --worker 127.0.0.1:7000 --cluster-certs "$work/none"
printf 'not a certificate\n' >"$work/worker.pem"
cp "$work/worker.pem" "$work/worker-key.pem"
cp "$work/worker.pem" "$work/ca.pem"
expect_refusal "a worker with files that are not certificates" "do not parse" \
  "$swarm" --worker 127.0.0.1:7000 --cluster-certs "$work"
head -c 100000 /dev/zero >"$work/worker.pem"
expect_refusal "a worker with an oversized certificate file" "larger than 64 KiB" \
  "$swarm" --worker 127.0.0.1:7000 --cluster-certs "$work"
[ ! -e "$work/certs" ] || { echo "FAIL: a refused coordinator wrote certificates"; exit 1; }
echo "cluster refusals: all refused"
