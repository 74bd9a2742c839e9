#!/usr/bin/env bash
# ThreadSanitizer build and test run (docs/security.md). Not part of CI: the
# build takes about as long as the ASan one; run it after changing anything
# that crosses threads (actors, the I/O runtime, the server, the store).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
dir=${ALTER_TSAN_DIR:-build-tsan}
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g" \
  -DALTER_SANITIZE=thread -DALTER_BUILD_BENCHMARKS=OFF >/dev/null
ninja -C "$dir" -j2
# Debian's libcaf is not instrumented: its internal synchronisation is invisible
# to TSan, so the suppressions name CAF's own frames (never the project's).
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/scripts/tsan.supp"
# The fault suite's 10,000-call run outlasts its time limit at TSan's slowdown;
# its code paths run in the other suites.
ctest --test-dir "$dir" --output-on-failure -j 2 -E '^faults$' "$@"
