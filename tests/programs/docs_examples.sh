#!/usr/bin/env bash
# The C++ on the documentation pages is code people copy: every block of the
# README and every "// Example" of docs/reference/ compiles against the
# installed package, and the README's program runs against `alter-local serve`
# as the README says, with its key, URL and CA file from the environment.
set -euo pipefail
build_dir=$1
source_dir=$2
local_bin=$3
source "$(dirname "$0")/local_server_lib.sh"
prefix=$dir/prefix
cmake --install "$build_dir" --prefix "$prefix" --strip >/dev/null
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
mkdir "$dir/blocks"

# Cuts the ```cpp blocks of a page into files NAME-N.cpp; with a pattern, only
# the blocks whose first line matches it.
cut_blocks() { # page, name, [first-line pattern]
  awk -v out="$dir/blocks/$2" -v want="${3:-}" '
    /^```cpp$/ { n++; keep = -1; file = out "-" n ".cpp"; next }
    /^```$/ { keep = 0; next }
    keep == -1 { keep = (want == "" || $0 ~ want) ? 1 : 0 }
    keep == 1 { print > file }
  ' "$1"
}
cut_blocks "$source_dir/README.md" readme
for page in "$source_dir"/docs/reference/*.md; do
  cut_blocks "$page" "reference-$(basename "$page" .md)" '^// Example'
done
count=0
for block in "$dir"/blocks/*.cpp; do
  # shellcheck disable=SC2046
  g++ -std=c++17 -fsyntax-only -Wall -Werror $(pkg-config --cflags alter-backend) \
    "$block" || { echo "docs_examples: $(basename "$block") does not compile"; exit 1; }
  count=$((count + 1))
done
[[ $count -ge 12 ]] || { echo "docs_examples: only $count blocks found"; exit 1; }
echo "docs_examples: $count blocks compile against the installed headers"

# The README's program, built as a user would and run against a served backend.
program=$(grep -l '^int main' "$dir"/blocks/readme-*.cpp)
# shellcheck disable=SC2046
g++ -std=c++17 -O1 "$program" -o "$dir/readme" $(pkg-config --cflags --libs alter-runtime)
# Without its environment it says what to set, and does not crash.
set +e
env -u GRANT_ID "$dir/readme" >"$dir/no-env.out" 2>&1
rc=$?
set -e
[[ $rc == 2 ]] && grep -q "set GRANT_ID" "$dir/no-env.out" \
  || { echo "docs_examples: without GRANT_ID: rc $rc: $(cat "$dir/no-env.out")"; exit 1; }
env -u ALTER_API_KEY GRANT_ID=00000000-0000-4000-8000-000000000000 "$dir/readme" >"$dir/no-key.out" 2>&1 && rc=0 || rc=$?
[[ $rc == 1 ]] && grep -q "api_key" "$dir/no-key.out" \
  || { echo "docs_examples: without a key: rc $rc: $(cat "$dir/no-key.out")"; exit 1; }

"$local_bin" serve --db "$dir/a.db" --port 0 --provider-port 0 --bootstrap-agents 1 \
  >"$dir/log" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "providers on" "$dir/log" && break; sleep 0.1; done
url=$(grep -o 'API on https://[0-9.:]*' "$dir/log" | awk '{print $3}')
providers=$(grep -o 'providers on https://[0-9.:]*' "$dir/log" | awk '{print $3}')
key=$(grep -m1 '^  key: alter_ak_' "$dir/log" | awk '{print $2}')
grant=$(sed -n '/^agent /,$p' "$dir/log" | grep -m1 '^  grant: ' | awk '{print $2}')
[[ -n "$url" && -n "$key" && -n "$grant" ]] || { cat "$dir/log"; exit 1; }
ALTER_API_KEY=$key ALTER_BASE_URL=$url ALTER_CA_FILE=$dir/a.db.ca.pem GRANT_ID=$grant \
  PROVIDER_URL=$providers/sim-bearer/v1/items "$dir/readme" | tee "$dir/readme.out"
grep -q "the provider answered HTTP 200" "$dir/readme.out"
echo "docs_examples: ok"
