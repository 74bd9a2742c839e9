#!/usr/bin/env bash
# The three programs' command lines behave like Unix tools: -h/--help prints
# help on stdout and exits 0, --version prints the version, no arguments
# prints the help and exits 2 (nothing starts), and an unknown or misspelt
# flag, a flag given twice or a stray argument exits 2 naming it.
set -euo pipefail
alter=$1
local_bin=$2
swarm=$3
version=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

fail() { echo "command_lines: $*"; exit 1; }

# expect CODE PATTERN_IN_OUTPUT -- COMMAND...: runs it, checks both.
expect() {
  local want=$1 pattern=$2
  shift 3
  set +e
  "$@" >"$dir/out" 2>"$dir/err"
  local rc=$?
  set -e
  [[ $rc == "$want" ]] || fail "$* exited $rc, not $want: $(cat "$dir/out" "$dir/err")"
  grep -q -- "$pattern" "$dir/out" "$dir/err" || fail "$* did not say '$pattern': $(cat "$dir/out" "$dir/err")"
}

for prog in "$alter" "$local_bin" "$swarm"; do
  name=$(basename "$prog")
  for h in -h --help; do
    expect 0 "Usage: $name" -- "$prog" "$h"
    [[ -s "$dir/out" ]] || fail "$name $h printed no help on stdout"
  done
  expect 0 "^$name $version\$" -- "$prog" --version
  expect 2 "Usage: $name" -- "$prog"
  [[ ! -s "$dir/out" ]] || fail "$name without arguments wrote to stdout"
  expect 2 "--frobnicate" -- "$prog" --frobnicate
done

# alter: help needs no key; misspelt and doubled flags are refused before any I/O.
ALTER_API_KEY= expect 0 "Usage: alter" -- "$alter" --help
if grep -q ALTER_API_KEY "$dir/err"; then fail "alter --help asked for a key"; fi
expect 2 "--reasn" -- "$alter" request --url http://x --reasn x
expect 2 "--url" -- "$alter" request --url a --url b
expect 2 "--grant excludes --provider" -- "$alter" request --grant g --provider p --url u
expect 0 "Usage: alter proxy" -- "$alter" proxy --help
expect 2 "id" -- "$alter" approval
expect 2 "--providers" -- "$alter" connect

# alter-local: a misspelt serve flag no longer starts a server without it; an
# offline command on a database that does not exist makes none.
expect 2 "--boostrap-agents" -- "$local_bin" serve --boostrap-agents 2
expect 2 "no database at $dir/missing.db" -- "$local_bin" rules list --db "$dir/missing.db" --app a
[[ ! -e "$dir/missing.db" ]] || fail "rules list made a database"
expect 2 "add" -- "$local_bin" rules
expect 0 "Usage: alter-local rules add" -- "$local_bin" rules add --help
expect 2 "--db" -- "$local_bin" bootstrap

# alter-swarm: no arguments starts no run; a misspelt flag is refused.
expect 2 "--agnets" -- "$swarm" --agnets 5
expect 2 "--agents must be a number" -- "$swarm" --agents many --quiet
echo "command lines: ok"
