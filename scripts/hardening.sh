#!/usr/bin/env bash
# The hardening job CI runs after the ordinary tests (docs/security.md):
#  1. builds everything with clang under AddressSanitizer + UndefinedBehaviorSanitizer,
#     with libFuzzer coverage instrumentation, in build-hardening/;
#  2. runs the whole test suite there (including a replay of every fuzz corpus);
#  3. fuzzes each target for ALTER_FUZZ_SECONDS (default 20) from its seed corpus.
# A crash leaves its input in build-hardening/fuzz-crashes/<target>/; once fixed,
# copy it into fuzz/regressions/<target>/ so the replay test keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
dir=${ALTER_HARDENING_DIR:-build-hardening}
seconds=${ALTER_FUZZ_SECONDS:-20}

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# -O1 and line tables only: sanitizer reports keep file:line, builds stay short.
cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None \
  "${launcher[@]}" \
  -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" -DALTER_SANITIZE=address,undefined \
  -DALTER_FUZZ=ON -DALTER_BUILD_BENCHMARKS=OFF >/dev/null
ninja -C "$dir" -j2

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$dir" --output-on-failure -j 2

status=0
for fuzzer in "$dir"/fuzz/fuzz_*; do
  [[ -x "$fuzzer" ]] || continue
  name=$(basename "$fuzzer")
  work=$(mktemp -d)
  crashes="$dir/fuzz-crashes/$name"
  mkdir -p "$crashes"
  echo "fuzz: $name for ${seconds}s"
  if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
      -artifact_prefix="$crashes/" -print_final_stats=1 "$work" "fuzz/corpus/$name" \
      >"$dir/fuzz-$name.log" 2>&1; then
    echo "fuzz: $name FAILED; input kept in $crashes"
    tail -40 "$dir/fuzz-$name.log"
    status=1
  else
    grep -E "^stat::(number_of_executed_units|new_units_added)" "$dir/fuzz-$name.log" || true
  fi
  rm -rf "$work"
done
exit $status
